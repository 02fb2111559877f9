import FeatureStoreCore
import SQLite

/// The layout of one source's offline history table.
///
/// Rows are keyed by the entity key columns, the event time and the created time (a
/// `WITHOUT ROWID` primary key), which both de-duplicates re-ingested rows and orders the rows the
/// way the point-in-time join reads them.
public struct HistoryTable: Hashable, Sendable {
    public var source: Source
    public var generation: Int64
    /// The columns that identify an entity: the join keys of the views over the source, or every
    /// value column when no view uses it yet.
    public var keyColumns: [Field]

    public init(source: Source, generation: Int64, keyColumns: [Field]) {
        self.source = source
        self.generation = generation
        self.keyColumns = keyColumns
    }

    /// The layout for `source` under `definitions`.
    public init(source: Source, generation: Int64, definitions: RepoDefinitions) {
        var keys: [Field] = []
        for view in definitions.featureViews where view.source == source.name {
            for key in definitions.joinKeys(of: view) where !keys.contains(where: { $0.name == key.name }) {
                keys.append(Field(name: key.name, type: key.valueType))
            }
        }
        if keys.isEmpty { keys = source.columns }
        self.init(source: source, generation: generation, keyColumns: keys)
    }

    public static let eventColumn = "__event_ts"
    public static let createdColumn = "__created_ts"

    /// `history_<source>_g<generation>_<layout hash>`: a new layout (other key or value columns)
    /// gets a new table, so a layout change is switched to atomically by the registry commit.
    public var name: String {
        let layout =
            (keyColumns.map { "k:\($0.name):\($0.type.rawValue)" }
                + valueColumns.map { "v:\($0.name):\($0.type.rawValue)" })
        return "history_\(source.name)_g\(generation)_\(fnv1a(layout.joined(separator: ",")))"
    }

    /// The value columns that are not key columns, in schema order.
    public var valueColumns: [Field] {
        source.columns.filter { column in !keyColumns.contains { $0.name == column.name } }
    }

    /// Every stored column: keys, the two timestamps, values.
    public var columnNames: [String] {
        keyColumns.map(\.name) + [Self.eventColumn, Self.createdColumn] + valueColumns.map(\.name)
    }

    var createSQL: String {
        func declaration(_ field: Field) -> String { "\(quoteIdentifier(field.name)) \(field.type.sqliteType)" }
        let columns =
            keyColumns.map { declaration($0) + " NOT NULL" }
            + ["\(Self.eventColumn) INTEGER NOT NULL", "\(Self.createdColumn) INTEGER NOT NULL"]
            + valueColumns.map(declaration)
        let key = (keyColumns.map { quoteIdentifier($0.name) } + [Self.eventColumn, Self.createdColumn])
            .joined(separator: ", ")
        return
            "CREATE TABLE IF NOT EXISTS \(quoteIdentifier(name)) (\(columns.joined(separator: ", ")), PRIMARY KEY (\(key))) WITHOUT ROWID"
    }
}

extension ValueType {
    /// The SQLite column type values of this type are stored as.
    public var sqliteType: String {
        switch self {
        case .int64, .bool, .timestamp: "INTEGER"
        case .float64: "REAL"
        case .string: "TEXT"
        case .bytes: "BLOB"
        }
    }
}

/// FNV-1a 64-bit, as 16 hex digits: a stable, dependency-free name hash.
func fnv1a(_ text: String) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x100_0000_01b3
    }
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}
