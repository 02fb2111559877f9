import FeatureRegistry
import FeatureRepo
import FeatureStoreCore
import Foundation
import OfflineStoreSQLite
import OnlineStoreRocksDB

/// One feature repo and its stores: what the CLI and the server work through.
///
/// Opening reads only `feature_store.yaml`; the registry and the stores open when first used.
public final class FeatureStore {
    /// The repo directory as the user gave it (used in messages).
    public let repoPath: String
    public let config: RepoConfig
    /// The clock; tests inject a fixed one.
    public let clock: @Sendable () -> Timestamp
    /// Whether a materialization ends by deleting the online data of views and generations its
    /// registry snapshot no longer has. The server turns it off: registry versions change under
    /// its materializations, and its registry watcher does that cleanup itself, in order.
    public var dropsStaleOnlineData = true

    private var openRegistry: Registry?
    private var openOfflineStore: OfflineStore?
    private var openOnlineStore: OnlineStore?

    public init(repo path: String, clock: @escaping @Sendable () -> Timestamp = Timestamp.now) throws {
        self.repoPath = path
        self.config = try RepoLoader.loadConfig(at: path)
        self.clock = clock
    }

    /// Reads and validates the repo's definition files.
    public func loadRepository() throws -> FeatureRepository {
        try RepoLoader.load(at: repoPath)
    }

    /// The registry, opened (and created) on first use.
    public func registry() throws -> Registry {
        if let openRegistry { return openRegistry }
        let registry = try Registry(path: config.registryPath)
        openRegistry = registry
        return registry
    }

    /// The offline store, opened (and created) on first use.
    public func offlineStore() throws -> OfflineStore {
        if let openOfflineStore { return openOfflineStore }
        let store = try OfflineStore(path: config.offlineStorePath)
        openOfflineStore = store
        return store
    }

    /// The online store, opened (and created) on first use.
    ///
    /// - Throws: `locked` when another process (a running `fs serve`) has it open;
    ///   `invalidArgument` when `feature_store.yaml` asks for the Redis online store, which this
    ///   version does not serve from yet (refused rather than silently using RocksDB).
    public func onlineStore() throws -> OnlineStore {
        if let openOnlineStore { return openOnlineStore }
        if config.redisOnlineStore != nil {
            throw FeatureStoreError.invalidArgument(
                "\(repoPath)/feature_store.yaml: online_store type 'redis' is not served yet (this version reads and writes online data only in RocksDB; the Redis client and Feast's Redis layout exist as libraries, the stores do not use them yet); remove the online_store block or set type: rocksdb"
            )
        }
        let store = try OnlineStore(path: config.onlineStorePath, rowCacheBytes: config.onlineRowCacheMB << 20)
        openOnlineStore = store
        return store
    }

    /// Uses an already open online store (the server shares its one with the facade).
    public func use(onlineStore: OnlineStore) {
        openOnlineStore = onlineStore
    }

    /// What is registered now.
    public func snapshot() throws -> RegistrySnapshot {
        try registry().snapshot()
    }
}

extension Timestamp {
    /// The current time from the system clock.
    @Sendable public static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(microseconds: Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1_000)
    }
}
