import FeatureStoreCore
import OnlineStoreRocksDB

/// What the reader, the materializer and the push paths need from an online store. Two backends:
/// ``OnlineStore`` (RocksDB, embedded, the default) and ``RedisBackend`` (Redis or a Redis
/// Cluster in Feast's layout, shared by several servers).
///
/// Lookups and pushes call the `async` requirements (a networked store never holds one of the
/// server's two cooperative threads while it waits); materialization and maintenance call the
/// synchronous ones, which run on the server's store lanes and in the command line, never on the
/// cooperative pool. The behaviour of both backends is pinned by one parametrized suite
/// (`OnlineBackendTests`).
public protocol OnlineStoreBackend: AnyObject, Sendable {
    /// Where the store is, for messages and `/health`: a path, or Redis addresses.
    var location: String { get }

    /// Whether several processes may use the store at once (Redis). RocksDB is opened by one
    /// process, so other commands hand their work to the running server.
    var isShared: Bool { get }

    /// The windowed-aggregate state (``OnlineAggregateStore``), or `nil` when this backend cannot
    /// hold it.
    var aggregates: (any OnlineAggregateStore)? { get }

    /// Reads `features` of many entities (ttl enforced against `now`); one row per entity.
    func read(_ entities: [[FeatureValue]], from table: OnlineTable, features: [String], ttl: TimeSpan, now: Timestamp)
        async throws -> [[OnlineValue]]

    /// Reads several views of one lookup (as many round trips as the backend needs: Redis reads
    /// all views of an entity in one command).
    ///
    /// - Returns: per view, one row per entity, one value per feature.
    func read(_ reads: [OnlineViewRead], now: Timestamp) async throws -> [[[OnlineValue]]]

    /// ``read(_:from:features:ttl:now:)`` for synchronous callers (the command line).
    func readSynchronously(
        _ entities: [[FeatureValue]], from table: OnlineTable, features: [String], ttl: TimeSpan, now: Timestamp
    ) throws -> [[OnlineValue]]

    /// Writes rows, keeping for each entity only the newest (monotonic); returns how many replaced
    /// the stored row (or were new).
    func write(_ entries: [(key: [FeatureValue], record: OnlineRecord)], to table: OnlineTable) async throws -> Int

    /// ``write(_:to:)`` for materialization, off the cooperative pool.
    func writeSynchronously(_ entries: [(key: [FeatureValue], record: OnlineRecord)], to table: OnlineTable) throws
        -> Int

    /// The stored (event time, created time) of each entity's row, `nil` where there is none.
    func storedTimes(_ entities: [[FeatureValue]], in table: OnlineTable) throws -> [(
        event: Timestamp, created: Timestamp
    )?]

    /// Where an entity's stored row still has a replaced version's times, stores the entry's
    /// record instead (removes the row when `nil`), atomically with monotonic writes.
    func takeBack(_ entries: [OnlineStore.TakeBack], in table: OnlineTable, features: [String]) throws -> Int

    /// Answers when the store does (for `/health`); throws what it failed with.
    func check() throws

    /// Deletes the data of views and generations not in `keep` where the store can find them
    /// (RocksDB); a store that cannot list them leaves them to its key expiry (Redis).
    func dropKeyspaces(except keep: Set<OnlineKeyspace>) throws

    /// Waits until everything written so far is durable (as durable as the store makes it).
    func sync() throws

    /// After a bulk load: reorganizes recent writes for reads (RocksDB's memtable flush).
    func compactRecentWrites() throws

    /// How many entities a view's table holds, or `nil` when the store cannot count them.
    func rowCount(in table: OnlineTable) throws -> Int?

    /// Takes or renews the lease that lets one server's scheduler run at a time, for `duration`;
    /// returns whether `holder` holds it now. A store one process owns (RocksDB) always grants it.
    func holdSchedulerLease(holder: String, for duration: Duration) async throws -> Bool
}

/// The features of one view to read for many entities (``OnlineStoreBackend/read(_:now:)``).
public struct OnlineViewRead: Sendable {
    public var table: OnlineTable
    public var entities: [[FeatureValue]]
    public var features: [String]
    /// Values older than `now - ttl` are `OUTSIDE_MAX_AGE`; zero never expires.
    public var ttl: TimeSpan

    public init(table: OnlineTable, entities: [[FeatureValue]], features: [String], ttl: TimeSpan) {
        self.table = table
        self.entities = entities
        self.features = features
        self.ttl = ttl
    }
}
