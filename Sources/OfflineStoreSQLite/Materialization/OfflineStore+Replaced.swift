import FeatureStoreCore
import SQLite

/// A version of an event that a later version replaced (``HistoryTable/replacedName``): the
/// entity it was stored under and its times.
public struct ReplacedVersion: Sendable, Hashable {
    public var key: [FeatureValue]
    public var eventTime: Timestamp
    public var createdTime: Timestamp
}

extension OfflineStore {
    /// The versions of a history table's events that were replaced at an earlier event time or
    /// under another entity by a version that arrived after `arrivedAfter` (every one when `nil`),
    /// keyed by `joinKeys`; versions without a complete key are skipped (they were never online).
    /// Sources read in place and sources without `dedupe_on` have none.
    public func replacedVersions(
        history: HistoryLocation, viewName: String, joinKeys: [JoinKey], arrivedAfter: Int64?
    ) throws -> [ReplacedVersion] {
        guard case .table(let table) = history, table.keepsReplacedVersions else { return [] }
        return try storage {
            guard try database.tableExists(table.replacedName) else { return [] }
            let query = SourceQuery(history: history, joinKeys: joinKeys, features: [], viewName: viewName)
            let selected =
                joinKeys.map { quoteIdentifier($0.name) } + [HistoryTable.eventColumn, HistoryTable.createdColumn]
            let statement = try database.prepare(
                "SELECT \(selected.joined(separator: ", ")) FROM \(quoteIdentifier(table.replacedName)) WHERE \(HistoryTable.replacedByColumn) > ?1"
            )
            try statement.bind(arrivedAfter ?? Int64.min, at: 1)
            var versions: [ReplacedVersion] = []
            let times = Int32(joinKeys.count)
            while try statement.step() {
                guard let key = try query.key(statement) else { continue }
                versions.append(
                    ReplacedVersion(
                        key: key, eventTime: Timestamp(microseconds: statement.int64(times)),
                        createdTime: Timestamp(microseconds: statement.int64(times + 1))))
            }
            return versions
        }
    }
}
