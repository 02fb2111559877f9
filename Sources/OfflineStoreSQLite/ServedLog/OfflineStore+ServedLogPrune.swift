import FeatureStoreCore
import SQLite

/// What a prune of the served logs deleted.
public struct ServedLogPruneReport: Sendable, Hashable, Codable {
    /// Rows logged before this were deleted (a UTC midnight: whole days go).
    public var before: Timestamp
    /// Rows deleted per feature service.
    public var rows: [String: Int]
    /// Outcome values deleted (only when every service's log is pruned).
    public var outcomes: Int
}

extension OfflineStore {
    /// The UTC midnight on or before `time`: a prune keeps the whole day it falls in.
    public static func startOfDay(_ time: Timestamp) -> Timestamp {
        let day: Int64 = 86_400_000_000
        let (quotient, remainder) = time.microseconds.quotientAndRemainder(dividingBy: day)
        // The day before the earliest representable midnight is not representable: the minimum.
        let (start, overflow) = (remainder < 0 ? quotient - 1 : quotient).multipliedReportingOverflow(by: day)
        return Timestamp(microseconds: overflow ? Int64.min : start)
    }

    /// Deletes the log rows logged before `before` of `service` (every service when `nil`, and
    /// then the outcomes whose event time is before it too), in one transaction.
    public func pruneServedLog(service: String?, before: Timestamp) throws -> ServedLogPruneReport {
        try storage {
            try database.transaction {
                var tables: [(service: String, table: String)] = []
                if let service {
                    let table = ServedLogLayout.tableName(service: service)
                    if try database.tableExists(table) { tables.append((service, table)) }
                } else {
                    let statement = try database.prepare(
                        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'served\\_log\\_%' ESCAPE '\\' AND name != ?"
                    )
                    try statement.bind([.text(OutcomesTable.name)])
                    while try statement.step() {
                        let table = statement.text(0)
                        tables.append((String(table.dropFirst("served_log_".count)), table))
                    }
                }
                var report = ServedLogPruneReport(before: before, rows: [:], outcomes: 0)
                for (service, table) in tables {
                    try database.prepare(
                        "DELETE FROM \(quoteIdentifier(table)) WHERE \(ServedLogLayout.logTimestampColumn) < ?"
                    ).run([.integer(before.microseconds)])
                    report.rows[service] = database.changes
                }
                if service == nil, try database.tableExists(OutcomesTable.name) {
                    try database.prepare("DELETE FROM served_log_outcomes WHERE event_ts < ?").run([
                        .integer(before.microseconds)
                    ])
                    report.outcomes = database.changes
                }
                return report
            }
        }
    }
}
