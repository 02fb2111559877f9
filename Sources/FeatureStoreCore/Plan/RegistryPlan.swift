/// What `fs apply` would change: per object, added / changed / removed, with field-level detail.
public struct RegistryPlan: Sendable, Codable, Hashable {
    public enum Action: String, Sendable, Codable, Hashable {
        case add, change, remove
    }

    /// One field of one object that differs.
    public struct FieldChange: Sendable, Codable, Hashable {
        public var path: String
        public var old: String?
        public var new: String?
        /// Why the change invalidates stored data, when it does.
        public var breaking: String?
        /// What a change that is not breaking does to stored data, when that is worth saying.
        public var note: String? = nil
    }

    /// One object that differs.
    public struct ObjectChange: Sendable, Codable, Hashable {
        public var id: ObjectID
        public var action: Action
        public var fields: [FieldChange]
        /// Why the change (or removal) invalidates stored data, when it does.
        public var breaking: String?

        public var isBreaking: Bool { breaking != nil }
    }

    public var changes: [ObjectChange]

    public init(changes: [ObjectChange]) { self.changes = changes.sorted { $0.id < $1.id } }

    public var isEmpty: Bool { changes.isEmpty }
    public var breakingChanges: [ObjectChange] { changes.filter(\.isBreaking) }

    /// Compares the registered definitions with the repo's.
    public init(from old: RepoDefinitions, to new: RepoDefinitions) {
        var changes: [ObjectChange] = []
        func compare<T: DiffFields & Hashable>(
            _ kind: ObjectKind, _ old: [T], _ new: [T], name: (T) -> String,
            breaking: (_ path: String, _ old: String?, _ new: String?) -> String?,
            removal: String? = nil,
            note: (_ path: String, _ old: String?, _ new: String?) -> String? = { _, _, _ in nil }
        ) {
            let oldByName = Dictionary(old.map { (name($0), $0) }, uniquingKeysWith: { a, _ in a })
            let newByName = Dictionary(new.map { (name($0), $0) }, uniquingKeysWith: { a, _ in a })
            for (key, value) in newByName {
                guard let previous = oldByName[key] else {
                    let fields = value.diffFields.sorted { $0.key < $1.key }.map {
                        FieldChange(path: $0.key, old: nil, new: $0.value, breaking: nil)
                    }
                    changes.append(ObjectChange(id: ObjectID(kind, key), action: .add, fields: fields, breaking: nil))
                    continue
                }
                guard previous != value else { continue }
                let before = previous.diffFields
                let after = value.diffFields
                var fields: [FieldChange] = []
                for path in Set(before.keys).union(after.keys).sorted() where before[path] != after[path] {
                    let reason = breaking(path, before[path], after[path])
                    fields.append(
                        FieldChange(
                            path: path, old: before[path], new: after[path], breaking: reason,
                            note: reason == nil ? note(path, before[path], after[path]) : nil))
                }
                if fields.isEmpty {
                    // A difference the flat fields do not show: the order of a list.
                    fields.append(
                        FieldChange(path: "order", old: "as registered", new: "as declared now", breaking: nil))
                }
                let reason = fields.compactMap(\.breaking).first
                changes.append(ObjectChange(id: ObjectID(kind, key), action: .change, fields: fields, breaking: reason))
            }
            for key in oldByName.keys where newByName[key] == nil {
                changes.append(ObjectChange(id: ObjectID(kind, key), action: .remove, fields: [], breaking: removal))
            }
        }
        compare(.entity, old.entities, new.entities, name: \.name) { path, old, new in
            path == "join_keys" ? "views of this entity hold values under the old join keys" : nil
        }
        // A served log's columns follow its service's features and nothing is stored for it: its
        // changes break no stored data (a source changing to or from another kind is compared
        // as the other kind: its history is at stake).
        let logs = Set(new.sources.filter { $0.kind == .servedLog }.map(\.name))
            .union(old.sources.filter { $0.kind == .servedLog }.map(\.name))
            .subtracting((old.sources + new.sources).filter { $0.kind != .servedLog }.map(\.name))
        compare(
            .source, old.sources.filter { logs.contains($0.name) }, new.sources.filter { logs.contains($0.name) },
            name: \.name, breaking: { _, _, _ in nil },
            note: { path, old, _ in
                path.hasPrefix("schema.") && old == nil ? "rows logged before read null in the new column" : nil
            })
        compare(
            .source, old.sources.filter { !logs.contains($0.name) }, new.sources.filter { !logs.contains($0.name) },
            name: \.name,
            breaking: { path, old, new in
                if path.hasPrefix("schema."), old != nil {
                    return new == nil
                        ? "removing a column drops its offline history"
                        : "a column's type changed; its offline history no longer fits"
                }
                if ["timestamp_field", "created_timestamp_field"].contains(path) || path.hasPrefix("field_mapping.") {
                    return "the offline history was stored under the old column names"
                }
                if path == "dedupe_on" {
                    return
                        "rows stored so far were not identified by the new dedupe_on columns; re-ingest them after the apply"
                }
                return nil
            }, removal: "removing a source drops its offline history")
        compare(
            .featureView, old.featureViews, new.featureViews, name: \.name,
            breaking: { path, old, new in
                switch path {
                case "entities": return "online values are keyed by the old entities"
                case "source": return "online values came from the old source"
                default:
                    if path.hasPrefix("features."), !path.hasSuffix(".description"), old != nil, new != nil {
                        return "stored online values have the old type or definition"
                    }
                    // Online tiles hold partial results of the registered aggregations only: a new or
                    // changed one needs the state rebuilt (a new generation, re-materialized).
                    if path.hasPrefix("aggregations."), new != nil {
                        return "the online aggregate state must be rebuilt for the new aggregation"
                    }
                    return nil
                }
            },
            note: { path, _, new in
                // Tiles keep each partial state under its name and length, so one no aggregation
                // uses any more is skipped by reads: removing an aggregation needs no rebuild.
                path.hasPrefix("aggregations.") && new == nil
                    ? "online state kept: tiles skip the removed aggregation's partials" : nil
            })
        compare(.featureService, old.featureServices, new.featureServices, name: \.name) { _, _, _ in nil }
        self.init(changes: changes)
    }
}
