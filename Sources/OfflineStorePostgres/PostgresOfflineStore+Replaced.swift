import FeatureStoreCore
import OfflineStoreSQLite
import PostgresClient

extension PostgresOfflineStore {
    /// The versions of a history table's events that were replaced at an earlier event time or
    /// under another entity by a version that arrived after `arrivedAfter` (see
    /// ``OfflineStore/replacedVersions(history:viewName:joinKeys:arrivedAfter:)``), read in one
    /// snapshot.
    public func replacedVersions(
        history: HistoryLocation, viewName: String, joinKeys: [JoinKey], arrivedAfter: Int64?
    ) throws -> [ReplacedVersion] {
        guard case .table(let table) = history, table.keepsReplacedVersions else { return [] }
        return try read { reader in
            guard try tableExists(table.replacedName, reader.transaction) else { return [] }
            return try reader.replacedVersions(
                of: table, viewName: viewName, joinKeys: joinKeys, arrivedAfter: arrivedAfter)
        }
    }
}
