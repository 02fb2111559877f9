import FeatureStoreCore
import SQLite

extension OfflineStore {
    /// Up to `limit` distinct entity keys of a source, picked at random (for consistency checks).
    public func sampleKeys(history: HistoryLocation, viewName: String, joinKeys: [JoinKey], limit: Int) throws
        -> [[FeatureValue]]
    {
        let query = SourceQuery(history: history, joinKeys: joinKeys, features: [], viewName: viewName)
        return try storage {
            let statement = try database.prepare(query.sampleKeysSQL(limit: limit))
            var keys: [[FeatureValue]] = []
            while try statement.step() {
                if let key = try query.key(statement) { keys.append(key) }
            }
            return keys
        }
    }
}
