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

    public func record(_ kind: ObjectKind, _ name: String) -> ObjectRecord? { records[ObjectID(kind, name)] }

    /// The generation of a source's offline history (1 when unknown).
    public func generation(ofSource name: String) -> Int64 { record(.source, name)?.generation ?? 1 }

    /// The generation of a view's online data (1 when unknown).
    public func generation(ofView name: String) -> Int64 { record(.featureView, name)?.generation ?? 1 }
}
