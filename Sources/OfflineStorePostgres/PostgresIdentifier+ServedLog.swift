import FeatureStoreCore
import OfflineStoreSQLite

extension PostgresIdentifier {
    /// The indexes the PostgreSQL store gives a served log table (`<table>__log_ts`,
    /// `<table>__request_id`), as SQLite names them.
    static func servedLogIndexNames(of table: String) -> (logTime: String, requestID: String) {
        (table + "__log_ts", table + "__request_id")
    }

    /// Fails unless every name the PostgreSQL store gives `layout`'s log (its table, its indexes,
    /// each column) fits in ``maxBytes``: a longer one would be cut, and the log written under
    /// another name than it is read by (or two columns made one).
    ///
    /// - Throws: `invalidArgument` naming the service or the column, its length and what fits.
    public static func requireFits(servedLog layout: ServedLogLayout) throws {
        let service = layout.service
        let table = layout.tableName
        let indexes = servedLogIndexNames(of: table)
        let longest = [table, indexes.logTime, indexes.requestID].max { $0.utf8.count < $1.utf8.count }!
        if longest.utf8.count > maxBytes {
            let allowed = maxBytes - (longest.utf8.count - service.utf8.count)
            throw FeatureStoreError.invalidArgument(
                "feature service '\(service)' (\(service.utf8.count) bytes) is too long a name for a served log in the PostgreSQL offline store: its log would need an index named \(longest) (\(longest.utf8.count) bytes), and PostgreSQL keeps at most \(maxBytes) bytes of a name. Give the service a name of at most \(allowed) bytes"
            )
        }
        for name in layout.columnNames where name.utf8.count > maxBytes {
            throw FeatureStoreError.invalidArgument(
                "the served log of feature service '\(service)' would have column '\(name)' (\(name.utf8.count) bytes); PostgreSQL keeps at most \(maxBytes) bytes of a name, so the PostgreSQL offline store cannot log it. Give the feature view or the feature a shorter name (a logged feature's columns are named {view}__{feature}, with __timestamp and __status after it)"
            )
        }
    }
}
