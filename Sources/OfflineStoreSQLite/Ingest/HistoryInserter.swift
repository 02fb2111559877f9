import FeatureStoreCore
import SQLite

/// Inserts parsed rows into a history table with `INSERT OR IGNORE`, many rows per statement
/// (one VDBE run per batch instead of per row).
struct HistoryInserter {
    static let batchSize = 64

    private let batch: Statement
    private let single: Statement
    private let types: [ValueType]
    private var pending: [Int] = []
    /// Rows that were new to the table so far.
    private(set) var inserted = 0

    init(database: Database, table: HistoryTable, types: [ValueType]) throws {
        let names = table.columnNames.map(quoteIdentifier).joined(separator: ", ")
        let row = "(" + Array(repeating: "?", count: table.columnNames.count).joined(separator: ", ") + ")"
        let prefix = "INSERT OR IGNORE INTO \(quoteIdentifier(table.name)) (\(names)) VALUES "
        batch = try database.prepare(prefix + Array(repeating: row, count: Self.batchSize).joined(separator: ", "))
        single = try database.prepare(prefix + row)
        self.types = types
        pending.reserveCapacity(Self.batchSize)
    }

    /// Queues a row, inserting a full batch.
    mutating func add(row: Int, of rows: ParsedRows) throws {
        pending.append(row)
        guard pending.count == Self.batchSize else { return }
        for (slot, row) in pending.enumerated() { try bind(row, of: rows, to: batch, offset: slot * rows.width) }
        inserted += try batch.executeBound()
        pending.removeAll(keepingCapacity: true)
    }

    /// Inserts the rows still queued.
    mutating func finish(_ rows: ParsedRows) throws {
        for row in pending {
            try bind(row, of: rows, to: single, offset: 0)
            inserted += try single.executeBound()
        }
        pending.removeAll()
    }

    private func bind(_ row: Int, of rows: ParsedRows, to statement: Statement, offset: Int) throws {
        let base = row * rows.width
        for column in 0..<rows.width {
            let parameter = Int32(offset + column + 1)
            let cell = rows.cells[base + column]
            if rows.nulls[base + column] {
                try statement.bindNullFast(at: parameter)
                continue
            }
            switch types[column] {
            case .int64, .bool, .timestamp:
                try statement.bind(cell, at: parameter)
            case .float64:
                try statement.bind(Double(bitPattern: UInt64(bitPattern: cell)), at: parameter)
            case .string:
                try rows.withBytes(cell) { try statement.bindText($0, at: parameter) }
            case .bytes:
                try rows.withBytes(cell) { try statement.bindBlob($0, at: parameter) }
            }
        }
    }
}
