import FeatureStoreCore
import SQLite

/// The layout of one source's offline history table.
///
/// Every row the source ever received, in a `WITHOUT ROWID` table keyed by
/// `(__event_ts, __seq)`: rows are clustered by event time (time-range scans for materialization
/// read one contiguous stretch), and `__seq` numbers rows in arrival order (the rows of one ingest,
/// which arrive together, in event-time order, file order among equal times), so two distinct rows
/// are never merged, whatever their keys and times. An index on `__seq` finds the rows that arrived
/// since a given point (late rows for incremental materialization).
///
/// The layout depends only on the source (its columns), never on the views over it: adding or
/// changing a view never rewrites stored rows, and a new source column is added in place.
public struct HistoryTable: Hashable, Sendable {
    public var source: Source
    public var generation: Int64
    /// Columns every stored row must have a value in: the join keys of the views over the source
    /// (a row without its entity key could never be joined), and the `dedupe_on` columns.
    public var requiredColumns: [String]

    public init(source: Source, generation: Int64, requiredColumns: [String]) {
        self.source = source
        self.generation = generation
        self.requiredColumns = requiredColumns
    }

    /// The table for `source` under `definitions`.
    public init(source: Source, generation: Int64, definitions: RepoDefinitions) {
        var required: [String] = []
        for view in definitions.featureViews where view.source == source.name {
            for key in definitions.joinKeys(of: view) where !required.contains(key.name) { required.append(key.name) }
        }
        for column in source.dedupeOn where !required.contains(column) && column != source.timestampField {
            required.append(column)
        }
        self.init(source: source, generation: generation, requiredColumns: required)
    }

    public static let eventColumn = "__event_ts"
    public static let createdColumn = "__created_ts"
    /// The arrival number of a row: unique in its table, growing with every ingest and push.
    public static let sequenceColumn = "__seq"

    /// `history_<source>_g<generation>`: a breaking change starts a new generation (a new table).
    public var name: String { "history_\(source.name)_g\(generation)" }

    /// The index on ``sequenceColumn``.
    package var sequenceIndexName: String { name + "__seq" }

    /// The unique index on the `dedupe_on` columns, when the source has them.
    package var dedupeIndexName: String { name + "__dedupe" }

    /// The stored column of each `dedupe_on` entry (the event timestamp field is ``eventColumn``).
    public var dedupeColumns: [String] {
        source.dedupeOn.map { $0 == source.timestampField ? Self.eventColumn : $0 }
    }

    /// The source's value columns (mapped names, schema order, without the two timestamps).
    public var valueColumns: [Field] { source.columns }

    /// The columns an insert fills, in order: the event time, the created time (0 when the
    /// source has none), then ``valueColumns``. ``sequenceColumn`` is assigned by the store.
    public var columnNames: [String] { [Self.eventColumn, Self.createdColumn] + valueColumns.map(\.name) }

    /// The types of ``columnNames``.
    public var columnTypes: [ValueType] { [.timestamp, .timestamp] + valueColumns.map(\.type) }

    var createSQL: String {
        let columns =
            [
                "\(Self.eventColumn) INTEGER NOT NULL", "\(Self.sequenceColumn) INTEGER NOT NULL",
                "\(Self.createdColumn) INTEGER NOT NULL",
            ] + valueColumns.map(\.declaration)
        return
            "CREATE TABLE \(quoteIdentifier(name)) (\(columns.joined(separator: ", ")), PRIMARY KEY (\(Self.eventColumn), \(Self.sequenceColumn))) WITHOUT ROWID"
    }

    var createSequenceIndexSQL: String {
        "CREATE UNIQUE INDEX IF NOT EXISTS \(quoteIdentifier(sequenceIndexName)) ON \(quoteIdentifier(name)) (\(Self.sequenceColumn))"
    }

    var createDedupeIndexSQL: String {
        let columns = dedupeColumns.map(quoteIdentifier).joined(separator: ", ")
        return
            "CREATE UNIQUE INDEX IF NOT EXISTS \(quoteIdentifier(dedupeIndexName)) ON \(quoteIdentifier(name)) (\(columns))"
    }
}

extension Field {
    /// `"name" TYPE`, as a history table declares the column.
    var declaration: String { "\(quoteIdentifier(name)) \(type.sqliteType)" }
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
