import FeatureStoreCore
import RocksDB

extension OnlineStore {
    /// How many entities a snapshot view's keyspace holds: one key each in `rows`, counted by a
    /// scan of the keyspace (its cost grows with the rows, so callers run it in the background).
    public func rowCount(in keyspace: OnlineKeyspace) throws -> Int {
        var count = 0
        try storage {
            try database.scan(from: keyspace.prefix, to: keyspace.end, in: rows) { _, _ in
                count += 1
                return true
            }
        }
        return count
    }
}
