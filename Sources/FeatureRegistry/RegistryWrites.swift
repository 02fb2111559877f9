import FeatureStoreCore
import Foundation

/// What an apply writes, worked out from the snapshot before it: the checks, the plan, the new
/// object records and specs. Every registry backend runs it inside its transaction and writes
/// the result, so the semantics of an apply are defined here once.
public struct RegistryWrites: Sendable {
    /// One object to insert or replace.
    public struct Upsert: Sendable {
        public var id: ObjectID
        public var record: ObjectRecord
        /// The object's definition as JSON (sorted keys).
        public var spec: String
    }

    public var plan: RegistryPlan
    public var before: RegistrySnapshot
    public var after: RegistrySnapshot
    public var upserts: [Upsert] = []
    public var deletes: [ObjectID] = []
    /// `registry_meta` rows to write: the last generation of each removed object
    /// (``RegistrySnapshot/retiredKey(_:)``).
    public var retired: [(key: String, value: String)] = []
    /// The line for `registry_history`; `nil` when the plan is empty (no new version).
    public var historySummary: String?
    /// True when nothing is to be written at all (same project, empty plan).
    public var isNoOp: Bool

    /// - Parameter location: where the registry is, for the conflict message.
    /// - Throws: `conflict` when the registry belongs to another project; `breakingChange` when the
    ///   plan has breaking changes and `allowBreaking` is false.
    public init(
        before: RegistrySnapshot, definitions: RepoDefinitions, project: String, allowBreaking: Bool,
        now: Timestamp, location: String
    ) throws {
        if let registered = before.project, registered != project, !before.definitions.isEmpty {
            throw FeatureStoreError(
                .conflict,
                "the registry at \(location) holds project '\(registered)', not '\(project)'; point `registry` in feature_store.yaml at another file (or PostgreSQL schema), or run `fs teardown` first"
            )
        }
        let plan = RegistryPlan(from: before.definitions, to: definitions)
        let breaking = plan.breakingChanges
        if !breaking.isEmpty && !allowBreaking {
            let list = breaking.map { "  \($0.id): \($0.breaking ?? "")" }.joined(separator: "\n")
            throw FeatureStoreError(
                .breakingChange,
                "the plan has \(breaking.count) breaking change\(breaking.count == 1 ? "" : "s") that would drop stored data:\n\(list)\nRun `fs plan` to see them; apply with --allow-breaking to drop the stale data."
            )
        }
        self.plan = plan
        self.before = before
        isNoOp = plan.isEmpty && before.project == project
        var after = before
        if isNoOp {
            self.after = after
            return
        }
        after.project = project
        after.definitions = definitions
        after.version = plan.isEmpty ? before.version : before.version + 1
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for change in plan.changes {
            let id = change.id
            if change.action == .remove {
                deletes.append(id)
                if let removed = before.records[id] {
                    after.retiredGenerations[id] = removed.generation
                    retired.append((RegistrySnapshot.retiredKey(id), String(removed.generation)))
                }
                after.records[id] = nil
                continue
            }
            let previous = before.records[id]
            let grows = previous != nil && change.isBreaking
            // A name added again starts past the generation it had when removed.
            let base = previous?.generation ?? before.retiredGenerations[id] ?? 0
            let record = ObjectRecord(
                version: (previous?.version ?? 0) + 1,
                generation: base + (previous == nil || grows ? 1 : 0),
                updatedAt: now)
            after.records[id] = record
            upserts.append(
                Upsert(id: id, record: record, spec: try Self.spec(of: id, in: definitions, encoder: encoder)))
        }
        historySummary = plan.isEmpty ? nil : plan.rendered(verb: "Applied")
        self.after = after
    }

    /// The result to hand back once the writes are committed.
    public var result: ApplyResult { ApplyResult(plan: plan, before: before, after: after) }

    private static func spec(of id: ObjectID, in definitions: RepoDefinitions, encoder: JSONEncoder) throws -> String {
        let data: Data
        switch id.kind {
        case .entity: data = try encoder.encode(definitions.entity(id.name)!)
        case .source: data = try encoder.encode(definitions.source(id.name)!)
        case .featureView: data = try encoder.encode(definitions.featureView(id.name)!)
        case .featureService: data = try encoder.encode(definitions.featureService(id.name)!)
        }
        return String(decoding: data, as: UTF8.self)
    }
}
