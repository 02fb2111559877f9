import FeatureStoreCore
import Foundation
import RocksDB
import Synchronization

/// The online store: the latest row per (view, entity) in RocksDB.
///
/// Writes are monotonic: a row never replaces a stored row with a later (event time, created
/// time). One process opens the store at a time (RocksDB's LOCK file); inside it, writes are
/// serialized by a mutex so the read-compare-write of monotonic writes is atomic, while reads run
/// concurrently.
public final class OnlineStore: Sendable {
    let database: RocksDB
    let rows: RocksDB.ColumnFamily
    let meta: RocksDB.ColumnFamily
    /// Aggregate state as stores before the time-ordered layout kept it: only ever dropped.
    let legacyAggregateEvents: RocksDB.ColumnFamily
    let legacyAggregateTiles: RocksDB.ColumnFamily
    /// Windowed aggregates: tiles, raw events and identity entries (``AggregateLayout``).
    let aggregates: RocksDB.ColumnFamily
    let writeLock = Mutex(())
    /// What is known of each aggregate keyspace written by this process (``AggregateKeyspaceState``),
    /// read from `meta` on first use; changed only under ``writeLock``.
    let aggregateKeyspaces = Mutex<[OnlineKeyspace: AggregateKeyspaceState]>([:])
    /// Expiries (range deletes) written since the aggregates' memtable was last flushed.
    let expiredSinceFlush = Mutex(0)
    public let path: String

    /// Column families: `rows` (one key per view entity), `meta` (which keyspaces hold data and the
    /// state of aggregate keyspaces), `aggregates` (windowed aggregates), and `agg_events` and
    /// `agg_tiles` (the aggregate layout of earlier versions, dropped when met).
    public static let columnFamilies = ["rows", "meta", "agg_events", "agg_tiles", "aggregates"]

    /// Opens (creating when missing) the store at `path`.
    ///
    /// - Throws: `locked` when another process has it open.
    public init(path: String) throws {
        self.path = path
        do {
            database = try RocksDB(path: path, columnFamilies: Self.columnFamilies)
        } catch let error as RocksDBError {
            if error.isLockHeld {
                throw FeatureStoreError(
                    .locked,
                    "the online store at \(path) is open in another process (a running `fs serve`, or another fs command); RocksDB allows one process at a time. Send the work to the server (fs materialize does this by itself when the server is running), or stop that process."
                )
            }
            throw FeatureStoreError.storage("cannot open the online store at \(path): \(error.message)")
        } catch {
            throw FeatureStoreError.io("cannot create the online store at \(path): \(error.localizedDescription)")
        }
        rows = database.columnFamily("rows")
        meta = database.columnFamily("meta")
        legacyAggregateEvents = database.columnFamily("agg_events")
        legacyAggregateTiles = database.columnFamily("agg_tiles")
        aggregates = database.columnFamily("aggregates")
    }

    /// Writes rows of one view, keeping for each entity only the newest row (monotonic).
    ///
    /// - Parameter sync: wait until the batch is durable on disk.
    /// - Returns: how many rows replaced the stored one (or were new).
    @discardableResult
    public func write(
        _ entries: [(key: [FeatureValue], record: OnlineRecord)], to keyspace: OnlineKeyspace, sync: Bool = false
    )
        throws -> Int
    {
        if entries.isEmpty { return 0 }
        // Newest row per key within the batch first; on equal times the later entry (the later
        // arrival, as in the offline history) wins.
        var newest: [ByteKey: Int] = [:]
        newest.reserveCapacity(entries.count)
        var keys: [[UInt8]] = []
        keys.reserveCapacity(entries.count)
        for (index, entry) in entries.enumerated() {
            let key = try keyspace.key(entry.key)
            if let previous = newest[ByteKey(key)] {
                let old = entries[previous].record
                if !old.isNewer(than: (entry.record.eventTime, entry.record.createdTime)) {
                    newest[ByteKey(key)] = index
                }
            } else {
                newest[ByteKey(key)] = index
                keys.append(key)
            }
        }
        let encoded = keys.map { entries[newest[ByteKey($0)]!].record.encoded() }
        return try writeLock.withLock { _ in
            // Per key: whether the stored row must stay (it is newer, or it is this very row).
            var keep = [Bool](repeating: false, count: keys.count)
            try storage {
                try database.multiGet(keys, in: rows) { index, value in
                    guard let existing = OnlineRecord.times(of: value) else { return }
                    let record = entries[newest[ByteKey(keys[index])]!].record
                    if record.isNewer(than: existing) { return }
                    // Equal times: the later arrival replaces the stored row, unless it is the same.
                    keep[index] =
                        (record.eventTime, record.createdTime) != existing
                        || encoded[index].withUnsafeBytes { $0.elementsEqual(value) }
                }
            }
            let batch = WriteBatch()
            for (index, key) in keys.enumerated() where !keep[index] {
                batch.put(key, encoded[index], in: rows)
            }
            let written = batch.count
            if written > 0 {
                batch.put(keyspace.metaKey, [], in: meta)
                try storage { try database.write(batch, sync: sync) }
            }
            return written
        }
    }

    /// Reads `features` of many entities of one view.
    ///
    /// - Parameters:
    ///   - ttl: values older than `now - ttl` are `OUTSIDE_MAX_AGE` (with a null value); zero never expires.
    /// - Returns: one row per entity, one value per feature, in the order asked.
    public func read(
        _ entities: [[FeatureValue]], from keyspace: OnlineKeyspace, features: [String], ttl: TimeSpan, now: Timestamp
    ) throws -> [[OnlineValue]] {
        let keys = try entities.map { try keyspace.key($0) }
        var result = [[OnlineValue]](
            repeating: [OnlineValue](repeating: .notFound, count: features.count), count: keys.count)
        let oldest = ttl > .zero ? now - ttl : Timestamp.min
        let names = features.map { Array($0.utf8) }
        try storage {
            try database.multiGet(keys, in: rows) { index, bytes in
                guard let (event, values) = OnlineRecord.decode(bytes, selecting: names) else {
                    throw FeatureStoreError.storage(
                        "the online value of an entity of view '\(keyspace.view)' is corrupt")
                }
                for (position, value) in values.enumerated() {
                    let status: FeatureStatus
                    var served = value ?? .null
                    if event < oldest {
                        status = .outsideMaxAge
                        served = .null
                    } else if served.isNull {
                        status = .nullValue
                    } else {
                        status = .present
                    }
                    result[index][position] = OnlineValue(value: served, status: status, eventTime: event)
                }
            }
        }
        return result
    }

    /// The stored record of one entity, if any (for tests and debugging).
    public func record(_ entity: [FeatureValue], in keyspace: OnlineKeyspace) throws -> OnlineRecord? {
        let key = try keyspace.key(entity)
        return try storage {
            try database.get(key, in: rows).flatMap { bytes in bytes.withUnsafeBytes { OnlineRecord.decode($0) } }
        }
    }

    /// Every keyspace holding data.
    public func keyspaces() throws -> [OnlineKeyspace] {
        var found: [OnlineKeyspace] = []
        try storage {
            try database.scan(prefix: Array("keyspace/".utf8), in: meta) { key, _ in
                if let keyspace = OnlineKeyspace(metaKey: Array(key)) { found.append(keyspace) }
                return true
            }
        }
        return found
    }

    /// Deletes the data of every keyspace not in `keep`: removed views and replaced generations.
    public func dropKeyspaces(except keep: Set<OnlineKeyspace>) throws {
        let stale = try keyspaces().filter { !keep.contains($0) }
        if stale.isEmpty { return }
        try writeLock.withLock { _ in
            let batch = WriteBatch()
            for keyspace in stale {
                for family in [rows, legacyAggregateEvents, legacyAggregateTiles, aggregates] {
                    batch.deleteRange(from: keyspace.prefix, to: keyspace.end, in: family)
                }
                batch.delete(keyspace.metaKey, in: meta)
            }
            try storage { try database.write(batch, sync: true) }
            aggregateKeyspaces.withLock { known in for keyspace in stale { known[keyspace] = nil } }
        }
    }

    /// Moves recently written rows from memory into sorted, indexed files: after a bulk load,
    /// point reads no longer search the large in-memory table first.
    public func compactRecentWrites() throws {
        try storage { for family in [rows, aggregates] { try database.flush(family) } }
    }

    /// Waits until everything written so far is durable.
    public func sync() throws {
        try storage { try database.flushWAL() }
    }

    func storage<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as RocksDBError {
            throw FeatureStoreError.storage("online store at \(path): \(error.message)")
        }
    }
}
