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
    /// Recently read rows, kept in process (``OnlineRowCache``).
    let rowCache: OnlineRowCache
    public let path: String

    /// The row cache's size when the caller does not give one: 256 MiB.
    public static let defaultRowCacheBytes = 256 << 20

    /// Column families: `rows` (one key per view entity), `meta` (which keyspaces hold data and the
    /// state of aggregate keyspaces), `aggregates` (windowed aggregates), and `agg_events` and
    /// `agg_tiles` (the aggregate layout of earlier versions, dropped when met).
    public static let columnFamilies = ["rows", "meta", "agg_events", "agg_tiles", "aggregates"]

    /// Opens (creating when missing) the store at `path`.
    ///
    /// - Parameter rowCacheBytes: how much memory recently read rows may hold in process; zero
    ///   turns the row cache off.
    /// - Throws: `locked` when another process has it open.
    public init(path: String, rowCacheBytes: Int = OnlineStore.defaultRowCacheBytes) throws {
        self.path = path
        rowCache = OnlineRowCache(capacity: rowCacheBytes)
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
            var writtenKeys: [[UInt8]] = []
            var writtenRecords: [[UInt8]] = []
            for (index, key) in keys.enumerated() where !keep[index] {
                batch.put(key, encoded[index], in: rows)
                if rowCache.isEnabled {
                    writtenKeys.append(key)
                    writtenRecords.append(encoded[index])
                }
            }
            let written = batch.count
            if written > 0 {
                batch.put(keyspace.metaKey, [], in: meta)
                try storage { try database.write(batch, sync: sync) }
                rowCache.written(writtenKeys, records: writtenRecords)
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
        let absent = [OnlineValue](repeating: .notFound, count: features.count)
        var result = [[OnlineValue]](repeating: absent, count: keys.count)
        let oldest = ttl > .zero ? now - ttl : Timestamp.min
        let names = features.map { Array($0.utf8) }
        func fill(_ index: Int, from bytes: UnsafeRawBufferPointer) throws {
            guard let (event, _) = OnlineRecord.times(of: bytes) else {
                throw FeatureStoreError.storage("the online value of an entity of view '\(keyspace.view)' is corrupt")
            }
            // A found row: features it lacks are null; all of it is outside max age past the ttl.
            let expired = event < oldest
            var row = [OnlineValue](
                repeating: OnlineValue(value: .null, status: expired ? .outsideMaxAge : .nullValue, eventTime: event),
                count: names.count)
            let decoded = OnlineRecord.decode(bytes, selecting: names) { _, position, value in
                if !expired && !value.isNull {
                    row[position] = OnlineValue(value: value, status: .present, eventTime: event)
                }
            }
            guard decoded else {
                throw FeatureStoreError.storage("the online value of an entity of view '\(keyspace.view)' is corrupt")
            }
            result[index] = row
        }
        // Rows in the cache first; RocksDB for the rest, whose answers then go into the cache.
        var missing: [Int] = []
        var epochs: [UInt64] = []
        if rowCache.isEnabled {
            for (index, key) in keys.enumerated() {
                switch rowCache.lookup(key) {
                case .hit(let record?): try record.withUnsafeBytes { try fill(index, from: $0) }
                case .hit(nil): continue
                case .miss(let epoch):
                    missing.append(index)
                    epochs.append(epoch)
                }
            }
            if missing.isEmpty { return result }
        } else {
            missing = Array(keys.indices)
        }
        var found = [[UInt8]?](repeating: nil, count: rowCache.isEnabled ? missing.count : 0)
        let missingKeys = missing.count == keys.count ? keys : missing.map { keys[$0] }
        try storage {
            try database.multiGet(missingKeys, in: rows) { position, bytes in
                try fill(missing[position], from: bytes)
                if !found.isEmpty { found[position] = Array(bytes) }
            }
        }
        for (position, record) in found.enumerated() {
            rowCache.insert(missingKeys[position], record: record, epoch: epochs[position])
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
            rowCache.removeAll()
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
