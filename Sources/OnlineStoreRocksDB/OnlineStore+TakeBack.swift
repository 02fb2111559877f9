import FeatureStoreCore
import RocksDB
import Synchronization

extension OnlineStore {
    /// One entity whose stored row may show a version the offline history has replaced.
    public struct TakeBack: Sendable {
        public var key: [FeatureValue]
        /// The replaced version's event and created times.
        public var replaced: (event: Timestamp, created: Timestamp)
        /// What the entity's row is now (its newest remaining offline row), or `nil` for none.
        public var record: OnlineRecord?

        public init(key: [FeatureValue], replaced: (event: Timestamp, created: Timestamp), record: OnlineRecord?) {
            self.key = key
            self.replaced = replaced
            self.record = record
        }
    }

    /// Takes replaced versions back: for each entry whose entity's stored row has exactly the
    /// replaced version's times, stores `record` instead (removes the row when `nil`), even when
    /// that is older. A stored row with other times is left alone: it is newer, or was written
    /// since. Atomic with monotonic writes (same lock), so a newer value written meanwhile wins.
    ///
    /// - Returns: how many rows changed.
    @discardableResult
    public func takeBack(_ entries: [TakeBack], in keyspace: OnlineKeyspace) throws -> Int {
        if entries.isEmpty { return 0 }
        let keys = try entries.map { try keyspace.key($0.key) }
        return try writeLock.withLock { _ in
            var matches = [Bool](repeating: false, count: keys.count)
            try storage {
                try database.multiGet(keys, in: rows) { index, value in
                    guard let stored = OnlineRecord.times(of: value) else { return }
                    matches[index] = stored == entries[index].replaced
                }
            }
            let batch = WriteBatch()
            var changedKeys: [[UInt8]] = []
            var changedRecords: [[UInt8]?] = []
            for (index, key) in keys.enumerated() where matches[index] {
                let record = entries[index].record?.encoded()
                if let record { batch.put(key, record, in: rows) } else { batch.delete(key, in: rows) }
                changedKeys.append(key)
                changedRecords.append(record)
            }
            if changedKeys.isEmpty { return 0 }
            try storage { try database.write(batch, sync: false) }
            rowCache.written(changedKeys, records: changedRecords)
            return changedKeys.count
        }
    }
}
