import FeatureStoreCore
import OfflineStoreSQLite

/// Names as PostgreSQL stores them. PostgreSQL keeps at most 63 bytes of an identifier and cuts
/// the rest off silently (a NOTICE nobody reads), so two long names that share their first 63
/// bytes would be one table or column, and a longer name would never be found again under its
/// full spelling. Names that do not fit are refused before anything is created.
public enum PostgresIdentifier {
    /// The most bytes PostgreSQL keeps of an identifier (`NAMEDATALEN - 1`).
    public static let maxBytes = 63

    /// Fails unless every name the store gives `table` in PostgreSQL (the history table, its
    /// indexes, its table of replaced versions) and every column fits.
    public static func requireFits(_ table: HistoryTable) throws {
        let source = table.source.name
        let names = [table.name, table.sequenceIndexName, table.dedupeIndexName, table.replacedName]
        if let longest = names.max(by: { $0.utf8.count < $1.utf8.count }), longest.utf8.count > maxBytes {
            let allowed = maxBytes - (longest.utf8.count - source.utf8.count)
            throw FeatureStoreError.invalidArgument(
                "source '\(source)' (\(source.utf8.count) bytes) is too long a name for the PostgreSQL offline store: its table would be named \(longest) (\(longest.utf8.count) bytes), and PostgreSQL keeps at most \(maxBytes) bytes of a name. Give the source a name of at most \(allowed) bytes"
            )
        }
        for column in table.valueColumns where column.name.utf8.count > maxBytes {
            throw FeatureStoreError.invalidArgument(
                "column '\(column.name)' of source '\(source)' is \(column.name.utf8.count) bytes long; PostgreSQL keeps at most \(maxBytes) bytes of a name, so the PostgreSQL offline store cannot hold it. Give it a shorter name (field_mapping renames a source column)"
            )
        }
    }
}
