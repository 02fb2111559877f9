import FeatureStoreCore
import SQLite

extension OfflineStore {
    /// The newest event time stored in a history table, or `nil` when the table is empty or does
    /// not exist. One probe of the primary key (`__event_ts` leads it), so it costs the same for
    /// any number of rows.
    public func newestEventTime(of table: HistoryTable) throws -> Timestamp? {
        try storage {
            guard try database.tableExists(table.name) else { return nil }
            let column = quoteIdentifier(HistoryTable.eventColumn)
            return try database.scalarInt("SELECT MAX(\(column)) FROM \(quoteIdentifier(table.name))").map {
                Timestamp(microseconds: $0)
            }
        }
    }
}
