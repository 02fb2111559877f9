import FeatureStoreCore
import SQLite

extension HistoryReader {
    /// Up to `limit` distinct entity keys of a source, picked at random (for consistency checks).
    package func sampleKeys(history: HistoryLocation, viewName: String, joinKeys: [JoinKey], limit: Int) throws
        -> [[FeatureValue]]
    {
        let query = SourceQuery(history: history, joinKeys: joinKeys, features: [], viewName: viewName)
        var statement = try cursor(query.sampleKeysSQL(limit: limit), [])
        var keys: [[FeatureValue]] = []
        while try statement.step() {
            if let key = try query.key(statement) { keys.append(key) }
        }
        return keys
    }
}

extension OfflineStore {
    /// Up to `limit` distinct entity keys of a source, picked at random (for consistency checks).
    public func sampleKeys(history: HistoryLocation, viewName: String, joinKeys: [JoinKey], limit: Int) throws
        -> [[FeatureValue]]
    {
        try storage { try reader.sampleKeys(history: history, viewName: viewName, joinKeys: joinKeys, limit: limit) }
    }
}
