import FeatureStoreCore
import RocksDB

extension OnlineStore {
    /// How much an aggregate view's online state holds: its keys, and the bytes of their keys and
    /// values (tiles, their raw events and identity entries), as stored before compression.
    public func aggregateStateSize(_ layout: AggregateLayout) throws -> (keys: Int, bytes: Int) {
        var keys = 0
        var bytes = 0
        try storage {
            try database.scan(from: layout.keyspace.prefix, to: layout.keyspace.end, in: aggregates) { key, value in
                keys += 1
                bytes += key.count + value.count
                return true
            }
        }
        return (keys, bytes)
    }
}
