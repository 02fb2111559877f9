import FeatureStoreCore
import OnlineStoreRedis
import OnlineStoreRocksDB
import Redis

/// The Redis (or Redis Cluster) online store behind ``OnlineStoreBackend``: snapshot views in
/// Feast's Redis layout (``RedisOnlineStore``), shared by every `fs serve` replica and `fs
/// materialize` at once (writes are atomic and monotonic per entity in Redis itself), and the
/// state of windowed aggregate views in fs's own layout (`RedisBackend+Aggregates.swift`).
public final class RedisBackend: OnlineStoreBackend {
    public let settings: RedisOnlineStoreSettings
    public let project: String
    let store: RedisOnlineStore
    private let close: @Sendable () async -> Void

    public init(settings: RedisOnlineStoreSettings, project: String, configuration: RedisConfiguration = .init()) {
        self.settings = settings
        self.project = project
        let addresses = settings.nodes.map { RedisAddress(host: $0.host, port: $0.port) }
        let client: any RedisCommandSending
        switch settings.kind {
        case .redis:
            let single = RedisClient(address: addresses[0], configuration: configuration)
            client = single
            close = { await single.close() }
        case .redisCluster:
            let cluster = RedisClusterClient(seeds: addresses, configuration: configuration)
            client = cluster
            close = { await cluster.close() }
        }
        store = RedisOnlineStore(client: client, keyTTLSeconds: settings.keyTTLSeconds)
    }

    /// Closes the connections (the backend is unusable after).
    public func shutdown() async { await close() }

    public var location: String {
        (settings.kind == .redis ? "Redis at " : "Redis Cluster at ")
            + settings.nodes.map(\.description).joined(separator: ",")
    }

    public var isShared: Bool { true }
    public var aggregates: (any OnlineAggregateStore)? { self }

    func keyspace(_ table: OnlineTable) -> RedisOnlineKeyspace {
        RedisOnlineKeyspace(project: project, view: table.view, joinKeys: table.joinKeys, generation: table.generation)
    }

    public func read(
        _ entities: [[FeatureValue]], from table: OnlineTable, features: [String], ttl: TimeSpan, now: Timestamp
    ) async throws -> [[OnlineValue]] {
        try await store.read(entities, from: keyspace(table), features: features, ttl: ttl, now: now)
    }

    public func read(_ reads: [OnlineViewRead], now: Timestamp) async throws -> [[[OnlineValue]]] {
        try await store.read(
            reads.map {
                RedisOnlineStore.ViewRead(
                    keyspace: keyspace($0.table), entities: $0.entities, features: $0.features, ttl: $0.ttl)
            }, now: now)
    }

    public func readSynchronously(
        _ entities: [[FeatureValue]], from table: OnlineTable, features: [String], ttl: TimeSpan, now: Timestamp
    ) throws -> [[OnlineValue]] {
        try blockingWait { try await self.read(entities, from: table, features: features, ttl: ttl, now: now) }
    }

    public func write(_ entries: [(key: [FeatureValue], record: OnlineRecord)], to table: OnlineTable) async throws
        -> Int
    {
        try await store.write(entries.map { ($0.key, Self.row($0.record)) }, to: keyspace(table))
    }

    public func writeSynchronously(_ entries: [(key: [FeatureValue], record: OnlineRecord)], to table: OnlineTable)
        throws -> Int
    {
        try blockingWait { try await self.write(entries, to: table) }
    }

    public func storedTimes(_ entities: [[FeatureValue]], in table: OnlineTable) throws -> [(
        event: Timestamp, created: Timestamp
    )?] {
        let times = try blockingWait {
            try await self.store.storedTimes(entities, in: self.keyspace(table)).map { $0.map(StoredTimes.init) }
        }
        return times.map { $0.map { ($0.event, $0.created) } }
    }

    public func takeBack(_ entries: [OnlineStore.TakeBack], in table: OnlineTable, features: [String]) throws -> Int {
        try blockingWait {
            try await self.store.takeBack(
                entries.map { ($0.key, $0.replaced, $0.record.map(Self.row)) }, features: features,
                in: self.keyspace(table))
        }
    }

    public func check() throws {
        try blockingWait { try await self.ping() }
    }

    /// `PING`s the server (or a node of the cluster); throws a storage error naming it.
    public func ping() async throws {
        do {
            _ = try await store.client.send(RedisCommand("PING", [], keyed: false))
        } catch {
            throw RedisOnlineStore.storeError(error, doing: "PING")
        }
    }

    /// Nothing to find: Feast's layout shares one hash per entity between views, so rows of a
    /// removed view or an old generation stay until the entity's key expires (`key_ttl_seconds`);
    /// they are never read (``RedisOnlineKeyspace`` ignores other generations).
    public func dropKeyspaces(except keep: Set<OnlineKeyspace>) throws {}

    /// Every write was acknowledged by Redis; its durability is Redis's configuration.
    public func sync() throws {}

    public func compactRecentWrites() throws {}

    public func rowCount(in table: OnlineTable) throws -> Int? { nil }

    static func row(_ record: OnlineRecord) -> RedisOnlineRow {
        RedisOnlineRow(
            eventTime: record.eventTime, createdTime: record.createdTime,
            values: Dictionary(record.values.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last }))
    }
}

/// A Sendable pair of times, carried out of ``blockingWait(_:)``.
private struct StoredTimes: Sendable {
    var event: Timestamp
    var created: Timestamp
    init(_ times: (event: Timestamp, created: Timestamp)) {
        event = times.event
        created = times.created
    }
}

extension RedisBackend {
    /// The lease's key: one per project, so the replicas of one repo share it.
    var leaseKey: [UInt8] { Array("fs:{\(project)}:scheduler-lease".utf8) }

    /// Takes the lease when free (`SET NX PX`) or renews it when `holder` has it (``LeaseScript``),
    /// atomically in Redis; it expires by itself when its holder stops renewing it.
    public func holdSchedulerLease(holder: String, for duration: Duration) async throws -> Bool {
        let milliseconds = max(
            1, duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
        let reply: [RESPValue]
        do {
            reply = try await store.client.evaluate(
                LeaseScript.script,
                calls: [(keys: [leaseKey], arguments: [Array(holder.utf8), Array(String(milliseconds).utf8)])])
        } catch {
            throw RedisOnlineStore.storeError(error, doing: "the scheduler lease")
        }
        switch reply.first {
        case .integer(1)?: return true
        case .integer(0)?: return false
        case let other:
            throw FeatureStoreError.storage(
                "the scheduler lease in \(location) answered \(other?.errorMessage ?? "\(String(describing: other))")")
        }
    }
}

/// KEYS[1] the lease key, ARGV[1] the holder, ARGV[2] the lease in milliseconds. Returns 1 when
/// the holder holds the lease (taken or renewed), 0 when another holder does.
enum LeaseScript {
    static let script = RedisScript(
        #"""
        local current = redis.call('GET', KEYS[1])
        if current == ARGV[1] then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          return 1
        end
        if current then return 0 end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        return 1
        """#)
}
