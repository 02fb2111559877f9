import FeatureStoreCore
import OfflineStoreSQLite
import PostgresClient
import SQLite

extension PostgresOfflineStore {
    /// Deletes the log rows logged before `before` of `service` (every service when `nil`, and
    /// then the outcomes whose event time is before it too), in one transaction, with the
    /// service's served profiles of those days (see ``OfflineStore/pruneServedLog(service:before:)``).
    public func pruneServedLog(service: String?, before: Timestamp) throws -> ServedLogPruneReport {
        try write { transaction in
            var tables: [(service: String, table: String)] = []
            if let service {
                let table = ServedLogLayout.tableName(service: service)
                if table.utf8.count <= PostgresIdentifier.maxBytes, try tableExists(table, transaction) {
                    tables.append((service, table))
                }
            } else {
                let rows = try transaction.query(
                    "SELECT tablename::text FROM pg_tables WHERE schemaname = $1 AND tablename LIKE 'served\\_log\\_%' AND tablename <> $2 ORDER BY tablename",
                    [.text(settings.schema), .text(Self.outcomesTable)])
                for row in rows {
                    let table = try row.text(0)
                    tables.append((String(table.dropFirst("served_log_".count)), table))
                }
            }
            var report = ServedLogPruneReport(before: before, rows: [:], outcomes: 0)
            for (service, table) in tables {
                report.rows[service] = Int(
                    try transaction.scalarInt(
                        "WITH deleted AS (DELETE FROM \(qualified(table)) WHERE \(ServedLogLayout.logTimestampColumn) < $1 RETURNING 1) SELECT COUNT(*) FROM deleted",
                        [.integer(before.microseconds)]) ?? 0)
            }
            report.profileBuckets = try deleteServedProfiles(service: service, before: before, transaction)
            if service == nil, try tableExists(Self.outcomesTable, transaction) {
                report.outcomes = Int(
                    try transaction.scalarInt(
                        "WITH deleted AS (DELETE FROM \(qualified(Self.outcomesTable)) WHERE event_ts < $1 RETURNING 1) SELECT COUNT(*) FROM deleted",
                        [.integer(before.microseconds)]) ?? 0)
            }
            return report
        }
    }
}
