import FeatureStoreKit
import Foundation

/// The one owner of the (not `Sendable`) ``FeatureStore``: registry reads, offline writes and
/// materializations run here, one at a time, on a dedicated thread.
///
/// Lookups do not come here: they use the `Sendable` ``OnlineReader`` in ``ServerState``.
public actor StoreActor {
    private let executor = DispatchQueueExecutor(label: "fs.store")
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private let store: FeatureStore
    /// The online store, opened once and shared with the read path.
    public nonisolated let onlineStore: OnlineStore
    public nonisolated let config: RepoConfig
    public nonisolated let repoPath: String

    /// Opens the repo and its online store.
    ///
    /// - Throws: `locked` when another process holds the online store.
    public init(repo path: String, clock: @escaping @Sendable () -> Timestamp) throws {
        let store = try FeatureStore(repo: path, clock: clock)
        self.onlineStore = try store.onlineStore()
        self.config = store.config
        self.repoPath = path
        self.store = store
    }

    /// The registry version (one indexed read).
    public func registryVersion() throws -> Int64 { try store.registry().version() }

    /// Everything registered now.
    public func snapshot() throws -> RegistrySnapshot { try store.snapshot() }

    /// The materialization watermarks of the views of `snapshot`.
    public func watermarks(for snapshot: RegistrySnapshot) throws -> [String: Watermark] {
        try store.registry().watermarks(for: snapshot)
    }

    /// Checks that the registry and both stores answer (for `/health`).
    public func check() throws {
        _ = try store.registry().version()
        _ = try store.offlineStore()
        _ = try onlineStore.keyspaces()
    }

    /// `fs materialize START END` in the server.
    public func materialize(from: Timestamp, to: Timestamp, views: [String]?) throws -> MaterializationReport {
        try store.materialize(from: from, to: to, views: views)
    }

    /// `fs materialize-incremental END` in the server.
    public func materializeIncremental(to: Timestamp, views: [String]?) throws -> MaterializationReport {
        try store.materializeIncremental(to: to, views: views)
    }

    /// Appends rows to a source's offline history, all or nothing.
    public func appendOffline(_ rows: [[FeatureValue]], to table: HistoryTable) throws -> AppendResult {
        try store.offlineStore().append(rows: rows, to: table)
    }

    /// Deletes the online data of views and generations `snapshot` no longer points at.
    public func dropStaleKeyspaces(keeping snapshot: RegistrySnapshot) throws {
        let keep = Set(
            snapshot.definitions.featureViews.map {
                OnlineKeyspace(view: $0.name, generation: snapshot.generation(ofView: $0.name))
            })
        try onlineStore.dropKeyspaces(except: keep)
    }
}
