import FeatureStoreCore
import SQLite

/// A version of an event that a later version replaced (``HistoryTable/replacedName``): the
/// entity it was stored under and its times.
public struct ReplacedVersion: Sendable, Hashable {
    public var key: [FeatureValue]
    public var eventTime: Timestamp
    public var createdTime: Timestamp
}

extension HistoryReader {
    /// The versions in `table`'s table of replaced versions (which must exist) replaced by a
    /// version that arrived after `arrivedAfter` (every one when `nil`), in the order they were
    /// replaced, keyed by `joinKeys`; versions without a complete key are skipped (they were never
    /// online). Both backends read them with this.
    package func replacedVersions(
        of table: HistoryTable, viewName: String, joinKeys: [JoinKey], arrivedAfter: Int64?
    ) throws -> [ReplacedVersion] {
        let query = SourceQuery(history: .table(table), joinKeys: joinKeys, features: [], viewName: viewName)
        let selected =
            joinKeys.map { quoteIdentifier($0.name) } + [HistoryTable.eventColumn, HistoryTable.createdColumn]
        var statement = try cursor(
            "SELECT \(selected.joined(separator: ", ")) FROM \(quoteIdentifier(table.replacedName)) WHERE \(HistoryTable.replacedByColumn) > \(parameterPrefix)1 ORDER BY \(HistoryTable.replacedByColumn)",
            [arrivedAfter ?? Int64.min])
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
            return try reader.replacedVersions(
                of: table, viewName: viewName, joinKeys: joinKeys, arrivedAfter: arrivedAfter)
        }
    }
}
