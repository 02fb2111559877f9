import FeatureRegistry
import FeatureStoreCore
import OnlineStoreRocksDB

/// One generation of one view's online rows, as every online store addresses them: RocksDB by
/// its keyspace (view and generation), Redis by Feast's entity key (the join key names) and the
/// view's hash fields.
public struct OnlineTable: Hashable, Sendable {
    public let keyspace: OnlineKeyspace
    /// The view's join key names, in the order entity values are given.
    public let joinKeys: [String]

    public init(view: String, generation: Int64, joinKeys: [String]) {
        keyspace = OnlineKeyspace(view: view, generation: generation)
        self.joinKeys = joinKeys
    }

    /// The table of `view` in `snapshot` (its current generation and join keys).
    public init(_ view: FeatureView, in snapshot: RegistrySnapshot) {
        self.init(
            view: view.name, generation: snapshot.generation(ofView: view.name),
            joinKeys: snapshot.definitions.joinKeys(of: view).map(\.name))
    }

    public var view: String { keyspace.view }
    public var generation: Int64 { keyspace.generation }
}

extension RegistrySnapshot {
    /// The online tables of every view of this snapshot: what a cleanup keeps.
    public var onlineKeyspaces: Set<OnlineKeyspace> {
        Set(definitions.featureViews.map { OnlineKeyspace(view: $0.name, generation: generation(ofView: $0.name)) })
    }
}
