import FeatureStoreCore

/// Bookkeeping for one registered object.
public struct ObjectRecord: Hashable, Sendable, Codable {
    /// Starts at 1 and grows by one with every applied change to the object.
    public var version: Int64
    /// Grows by one whenever the object's stored data is laid out anew (a breaking change, or a new
    /// offline table layout); stores name their data after it.
    public var generation: Int64
    public var updatedAt: Timestamp

    public init(version: Int64, generation: Int64, updatedAt: Timestamp) {
        self.version = version
        self.generation = generation
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case version, generation
        case updatedAt = "updated_at"
    }
}

/// The registry's content at one version.
public struct RegistrySnapshot: Sendable {
    public var project: String?
    /// Grows by one with every apply that changes something; 0 for an empty registry.
    public var version: Int64
    public var definitions: RepoDefinitions
    public var records: [ObjectID: ObjectRecord]

    public init(project: String?, version: Int64, definitions: RepoDefinitions, records: [ObjectID: ObjectRecord]) {
        self.project = project
        self.version = version
        self.definitions = definitions
        self.records = records
    }

    /// The last generation of each removed object: a name added again starts past it, so its
    /// data is never taken for data of the removed object (kept in `registry_meta`).
    public var retiredGenerations: [ObjectID: Int64] = [:]

    public func record(_ kind: ObjectKind, _ name: String) -> ObjectRecord? { records[ObjectID(kind, name)] }

    /// The `registry_meta` key of a removed object's last generation.
    public static func retiredKey(_ id: ObjectID) -> String { retiredKeyPrefix + "\(id.kind.rawValue):\(id.name)" }
    public static let retiredKeyPrefix = "retired_generation:"

    /// Takes a `registry_meta` row written under ``retiredKey(_:)`` (others are ignored).
    public mutating func addRetired(key: String, value: String) {
        guard key.hasPrefix(Self.retiredKeyPrefix), let generation = Int64(value) else { return }
        let rest = key.dropFirst(Self.retiredKeyPrefix.count)
        guard let colon = rest.firstIndex(of: ":"), let kind = ObjectKind(rawValue: String(rest[..<colon])) else {
            return
        }
        retiredGenerations[ObjectID(kind, String(rest[rest.index(after: colon)...]))] = generation
    }

    /// The generation of a source's offline history (1 when unknown).
    public func generation(ofSource name: String) -> Int64 { record(.source, name)?.generation ?? 1 }

    /// The generation of a view's online data (1 when unknown).
    public func generation(ofView name: String) -> Int64 { record(.featureView, name)?.generation ?? 1 }
}
