import FeatureStoreCore
import OnlineStoreRocksDB

/// The RocksDB online store behind ``OnlineStoreBackend``: every call is synchronous and fast,
/// so the `async` requirements run inline.
extension OnlineStore: OnlineStoreBackend {
    public var location: String { path }
    public var isShared: Bool { false }
    public var aggregates: (any OnlineAggregateStore)? { self }

    public func read(
        _ entities: [[FeatureValue]], from table: OnlineTable, features: [String], ttl: TimeSpan, now: Timestamp
    ) async throws -> [[OnlineValue]] {
        try read(entities, from: table.keyspace, features: features, ttl: ttl, now: now)
    }

    public func read(_ reads: [OnlineViewRead], now: Timestamp) async throws -> [[[OnlineValue]]] {
        try reads.map { try read($0.entities, from: $0.table.keyspace, features: $0.features, ttl: $0.ttl, now: now) }
    }

    public func readSynchronously(
        _ entities: [[FeatureValue]], from table: OnlineTable, features: [String], ttl: TimeSpan, now: Timestamp
    ) throws -> [[OnlineValue]] {
        try read(entities, from: table.keyspace, features: features, ttl: ttl, now: now)
    }

    public func write(_ entries: [(key: [FeatureValue], record: OnlineRecord)], to table: OnlineTable) async throws
        -> Int
    {
        try write(entries, to: table.keyspace)
    }

    public func writeSynchronously(_ entries: [(key: [FeatureValue], record: OnlineRecord)], to table: OnlineTable)
        throws -> Int
    {
        try write(entries, to: table.keyspace)
    }

    public func storedTimes(_ entities: [[FeatureValue]], in table: OnlineTable) throws -> [(
        event: Timestamp, created: Timestamp
    )?] {
        try entities.map { entity in
            try record(entity, in: table.keyspace).map { ($0.eventTime, $0.createdTime) }
        }
    }

    public func takeBack(_ entries: [TakeBack], in table: OnlineTable, features: [String]) throws -> Int {
        try takeBack(entries, in: table.keyspace)
    }

    public func check() throws { _ = try keyspaces() }

    public func rowCount(in table: OnlineTable) throws -> Int? { try rowCount(in: table.keyspace) }

    /// One process opens the store, so its scheduler is the only one.
    public func holdSchedulerLease(holder: String, for duration: Duration) async throws -> Bool { true }
}
