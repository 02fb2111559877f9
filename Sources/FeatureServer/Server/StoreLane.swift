import FeatureStoreKit

/// One lane of store work: a thread of its own (a dispatch queue behind a custom serial executor,
/// off Swift's cooperative pool, which has two threads on two cores) and a ``FeatureStore`` of its
/// own, so its own SQLite connections, sharing the process's one online store.
///
/// Jobs on a lane run one at a time, in order; lanes run beside each other, so a job never waits
/// behind another lane's (a long materialization, a write parked on SQLite's busy timeout).
actor StoreLane {
    private let executor: DispatchQueueExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private let store: FeatureStore

    /// Opens the lane's connections to the registry and the offline store now, so that no SQLite
    /// file is opened (nor its schema checked) once the server serves.
    ///
    /// - Parameter onlineStore: the process's online store (RocksDB lets a process open it once).
    init(
        label: String, repo: String, clock: @escaping @Sendable () -> Timestamp, onlineStore: any OnlineStoreBackend
    ) throws {
        executor = DispatchQueueExecutor(label: label)
        let store = try FeatureStore(repo: repo, clock: clock)
        store.use(onlineStore: onlineStore)
        // The registry watcher drops stale online data, in order with registry reloads.
        store.dropsStaleOnlineData = false
        _ = try store.registry()
        _ = try store.offlineStore()
        self.store = store
    }

    /// Runs `job` on this lane with its store.
    func run<T: Sendable>(_ job: @Sendable (FeatureStore) throws -> T) throws -> T {
        try job(store)
    }
}
