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
    /// Served-profile buckets deleted (hours and days before ``before``), per feature service.
    public var profileBuckets: [String: Int] = [:]

    public init(before: Timestamp, rows: [String: Int], outcomes: Int, profileBuckets: [String: Int] = [:]) {
        self.before = before
        self.rows = rows
        self.outcomes = outcomes
        self.profileBuckets = profileBuckets
    }

    enum CodingKeys: String, CodingKey {
        case before, rows, outcomes
        case profileBuckets = "profile_buckets"
    }
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
    /// then the outcomes whose event time is before it too), in one transaction, with the
    /// service's served profiles of those days (`before` is a midnight, so hourly and daily
    /// buckets are either wholly before it or not at all): the profiles keep describing the log.
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
                if try hasProfileTables() {
                    var sql = "DELETE FROM profiles WHERE kind = 'served' AND bucket_start < ?1"
                    if service != nil { sql += " AND name = ?2" }
                    let services = try database.prepare(
                        "SELECT name, COUNT(*) FROM profiles WHERE kind = 'served' AND bucket_start < ?1\(service != nil ? " AND name = ?2" : "") GROUP BY name"
                    )
                    var bounds: [SQLiteValue] = [.integer(before.microseconds)]
                    if let service { bounds.append(.text(service)) }
                    try services.bind(bounds)
                    while try services.step() { report.profileBuckets[services.text(0)] = Int(services.int64(1)) }
                    try database.prepare(sql).run(bounds)
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
