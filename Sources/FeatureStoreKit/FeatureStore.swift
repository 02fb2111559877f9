import FeatureRegistry
import FeatureRepo
import FeatureStoreCore
import Foundation
import OfflineStorePostgres
import OfflineStoreSQLite
import OnlineStoreRocksDB
import RegistryPostgres

/// One feature repo and its stores: what the CLI and the server work through.
///
/// Opening reads only `feature_store.yaml`; the registry and the stores open when first used.
public final class FeatureStore {
    /// The repo directory as the user gave it (used in messages).
    public let repoPath: String
    public let config: RepoConfig
    /// The clock; tests inject a fixed one.
    public let clock: @Sendable () -> Timestamp
    /// Where `password_env` variables are looked up: the process's environment (tests inject one
    /// per throwaway PostgreSQL cluster).
    public let environment: [String: String]
    /// Whether a materialization ends by deleting the online data of views and generations its
    /// registry snapshot no longer has. The server turns it off: registry versions change under
    /// its materializations, and its registry watcher does that cleanup itself, in order.
    public var dropsStaleOnlineData = true

    private var openRegistry: (any RegistryStore)?
    private var openOfflineStore: (any OfflineHistoryStore)?
    private var openOnlineStore: (any OnlineStoreBackend)?

    public init(
        repo path: String, clock: @escaping @Sendable () -> Timestamp = Timestamp.now,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        self.repoPath = path
        self.config = try RepoLoader.loadConfig(at: path)
        self.clock = clock
        self.environment = environment
    }

    /// Reads and validates the repo's definition files.
    public func loadRepository() throws -> FeatureRepository {
        try RepoLoader.load(at: repoPath)
    }

    /// The registry, opened (and created) on first use: the SQLite file at `registry`, or the
    /// PostgreSQL schema that `registry: {type: postgres}` names (its password read now from
    /// the `password_env` variable of ``environment``).
    public func registry() throws -> any RegistryStore {
        if let openRegistry { return openRegistry }
        let registry: any RegistryStore
        if let postgres = config.postgresRegistry {
            registry = try PostgresRegistry(settings: postgres, environment: environment)
        } else {
            registry = try Registry(path: config.registryPath)
        }
        openRegistry = registry
        return registry
    }

    /// The offline store, opened (and created) on first use: SQLite at `offline_store.path`, or
    /// the PostgreSQL database that `offline_store: {type: postgres}` names (its password from
    /// the variable of ``environment`` that `password_env` names).
    public func offlineStore() throws -> any OfflineHistoryStore {
        if let openOfflineStore { return openOfflineStore }
        let store: any OfflineHistoryStore
        if let postgres = config.postgresOfflineStore {
            store = try PostgresOfflineStore(settings: postgres, environment: environment)
        } else {
            store = try OfflineStore(path: config.offlineStorePath)
        }
        openOfflineStore = store
        return store
    }

    /// The online store, opened (and created) on first use: RocksDB at `online_store.path`, or
    /// the Redis (Cluster) that `online_store: {type: redis}` names.
    ///
    /// - Throws: `locked` when another process (a running `fs serve`) has the RocksDB store open.
    public func onlineStore() throws -> any OnlineStoreBackend {
        if let openOnlineStore { return openOnlineStore }
        let store: any OnlineStoreBackend
        if let redis = config.redisOnlineStore {
            store = RedisBackend(settings: redis, project: config.project)
        } else {
            store = try OnlineStore(path: config.onlineStorePath, rowCacheBytes: config.onlineRowCacheMB << 20)
        }
        openOnlineStore = store
        return store
    }

    /// Uses an already open online store (the server shares its one with the facade).
    public func use(onlineStore: any OnlineStoreBackend) {
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
