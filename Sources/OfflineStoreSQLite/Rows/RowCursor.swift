import CSQLite
import FeatureStoreCore
import SQLite

/// How a cell of the current row is stored: SQLite's storage classes, which every backend's
/// columns map onto (a PostgreSQL `bigint` is an integer, `double precision` a real, ...).
package enum CellStorage: Sendable {
    case null, integer, real, text, blob
}

/// Rows read one at a time, cells by column index: what the shared row-reading code (training
/// sets, windowed aggregates, materialization scans) is written against, so one implementation
/// serves both backends. Generic callers are specialized per backend, so SQLite's statement is
/// read as directly as before.
package protocol RowCursor {
    /// Moves to the next row; `false` when there is none.
    mutating func step() throws -> Bool
    /// The name of a column, for messages.
    func columnName(_ column: Int32) -> String
    func storage(_ column: Int32) -> CellStorage
    func isNull(_ column: Int32) -> Bool
    /// An integer cell (undefined for other storage).
    func int64(_ column: Int32) -> Int64
    /// A real cell, or an integer one as a double.
    func double(_ column: Int32) -> Double
    func text(_ column: Int32) -> String
    func blob(_ column: Int32) -> [UInt8]
    func withTextBytes<T>(_ column: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T
    func withBlobBytes<T>(_ column: Int32, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T
}

extension Statement: RowCursor {
    @inline(__always)
    package func storage(_ column: Int32) -> CellStorage {
        switch columnType(column) {
        case SQLITE_INTEGER: .integer
        case SQLITE_FLOAT: .real
        case SQLITE_TEXT: .text
        case SQLITE_BLOB: .blob
        default: .null
        }
    }
}

/// Where the shared code reads a backend's rows from: a cursor over a SELECT (history tables in
/// the same layout in both backends) and the count of a table's rows.
package protocol HistoryReader {
    associatedtype Cursor: RowCursor
    /// The prefix of a numbered parameter: `?` in SQLite (`?1`), `$` in PostgreSQL (`$1`).
    var parameterPrefix: String { get }
    /// Whether a SELECT without ORDER BY yields a history table's rows in its clustering order
    /// (event time, then arrival), as SQLite's `WITHOUT ROWID` tables do; else the shared code
    /// asks for that order.
    var readsInClusteringOrder: Bool { get }
    /// Runs `sql` with `parameters` bound to `<prefix>1`, `<prefix>2`, ... and returns its rows.
    func cursor(_ sql: String, _ parameters: [Int64]) throws -> Cursor
    /// How many rows a history table holds (a capacity hint).
    func rowCount(of table: HistoryTable) throws -> Int
}

extension OfflineStore {
    /// This database as a ``HistoryReader``.
    var reader: SQLiteHistoryReader { SQLiteHistoryReader(database: database) }
}

/// The SQLite offline database as a ``HistoryReader``.
struct SQLiteHistoryReader: HistoryReader {
    let database: Database

    var parameterPrefix: String { "?" }
    var readsInClusteringOrder: Bool { true }

    func cursor(_ sql: String, _ parameters: [Int64]) throws -> Statement {
        let statement = try database.prepare(sql)
        for (index, value) in parameters.enumerated() { try statement.bind(value, at: Int32(index + 1)) }
        return statement
    }

    func rowCount(of table: HistoryTable) throws -> Int {
        Int(try database.scalarInt("SELECT COUNT(*) FROM \(quoteIdentifier(table.name))") ?? 0)
    }
}
