import FeatureStoreCore
import SQLite

/// Inserts parsed rows into a history table, each under its own arrival number.
///
/// Without `dedupe_on` every row is a new event: rows go in many per statement (one VDBE run per
/// batch instead of per row). With `dedupe_on`, each row is inserted unless an event with the same
/// dedupe values is stored; then it replaces that event unless the stored one has a later created
/// time (on equal created times the later arrival wins), taking a new arrival number so
/// incremental materialization sees it; else it is a duplicate. A replaced version whose event time
/// is later, or whose entity columns differ, is kept in the table of replaced versions
/// (``HistoryTable/replacedName``) so materialization can take it back from the online store.
struct HistoryInserter {
    static let batchSize = 64

    private let batch: Statement
    private let single: Statement
    private let replace: Statement?
    /// Copies the version `replace` is about to overwrite into the table of replaced versions,
    /// when it moves (same parameters as `replace`).
    private let recordReplaced: Statement?
    private let types: [ValueType]
    private let table: HistoryTable
    private var pending: [(row: Int, sequence: Int64)] = []
    /// Rows stored as new events so far.
    private(set) var inserted = 0
    /// Rows that replaced a stored event with the same dedupe values and an earlier or equal created time.
    private(set) var replaced = 0
    /// Rows whose event was already stored with a later created time.
    private(set) var duplicates = 0

    init(database: Database, table: HistoryTable, types: [ValueType]) throws {
        let names = (table.columnNames + [HistoryTable.sequenceColumn]).map(quoteIdentifier)
        let row = "(" + Array(repeating: "?", count: names.count).joined(separator: ", ") + ")"
        let prefix = "INSERT INTO \(quoteIdentifier(table.name)) (\(names.joined(separator: ", "))) VALUES "
        batch = try database.prepare(prefix + Array(repeating: row, count: Self.batchSize).joined(separator: ", "))
        if table.source.dedupeOn.isEmpty {
            single = try database.prepare(prefix + row)
            replace = nil
            recordReplaced = nil
        } else {
            let dedupe = table.dedupeColumns.map(quoteIdentifier).joined(separator: ", ")
            single = try database.prepare(prefix + row + " ON CONFLICT (\(dedupe)) DO NOTHING")
            // Parameters: 1...n the new row (as for the insert), then the dedupe values again.
            let assignments = names.enumerated().map { "\($1) = ?\($0 + 1)" }.joined(separator: ", ")
            let match = table.dedupeColumns.enumerated().map { index, column in
                "\(quoteIdentifier(column)) IS ?\(names.count + index + 1)"
            }
            let createdParameter = 2  // the created time is the second inserted column
            let condition =
                "\(match.joined(separator: " AND ")) AND \(HistoryTable.createdColumn) <= ?\(createdParameter)"
            replace = try database.prepare(
                "UPDATE \(quoteIdentifier(table.name)) SET \(assignments) WHERE \(condition)")
            // The old version moves when the new one is earlier (the event time is the first
            // inserted column) or names another entity.
            let moved =
                ["\(HistoryTable.eventColumn) > ?1"]
                + table.requiredColumns.compactMap { column in
                    table.columnNames.firstIndex(of: column).map { "\(quoteIdentifier(column)) IS NOT ?\($0 + 1)" }
                }
            try database.execute(table.createReplacedSQL)
            let copied = names.joined(separator: ", ")
            recordReplaced = try database.prepare(
                "INSERT INTO \(quoteIdentifier(table.replacedName)) (\(HistoryTable.replacedByColumn), \(copied)) SELECT ?\(names.count), \(copied) FROM \(quoteIdentifier(table.name)) WHERE \(condition) AND (\(moved.joined(separator: " OR ")))"
            )
        }
        self.types = types
        self.table = table
        pending.reserveCapacity(Self.batchSize)
    }

    /// Stores a row under arrival number `sequence`, inserting a full batch.
    mutating func add(row: Int, sequence: Int64, of rows: ParsedRows) throws {
        if let replace {
            try bind(row, of: rows, to: single, offset: 0)
            try single.bind(sequence, at: Int32(rows.width + 1))
            if try single.executeBound() == 1 {
                inserted += 1
                return
            }
            if let recordReplaced {
                try bindReplacement(row, sequence: sequence, of: rows, to: recordReplaced)
                try recordReplaced.executeBound()
            }
            try bindReplacement(row, sequence: sequence, of: rows, to: replace)
            if try replace.executeBound() == 1 { replaced += 1 } else { duplicates += 1 }
            return
        }
        pending.append((row, sequence))
        guard pending.count == Self.batchSize else { return }
        let stride = rows.width + 1
        for (slot, entry) in pending.enumerated() {
            try bind(entry.row, of: rows, to: batch, offset: slot * stride)
            try batch.bind(entry.sequence, at: Int32(slot * stride + rows.width + 1))
        }
        inserted += try batch.executeBound()
        pending.removeAll(keepingCapacity: true)
    }

    /// Inserts the rows still queued.
    mutating func finish(_ rows: ParsedRows) throws {
        for entry in pending {
            try bind(entry.row, of: rows, to: single, offset: 0)
            try single.bind(entry.sequence, at: Int32(rows.width + 1))
            inserted += try single.executeBound()
        }
        pending.removeAll()
    }

    /// Parameters of `replace` and `recordReplaced`: 1...n the new row, n + 1 its arrival number,
    /// then its dedupe values.
    private func bindReplacement(_ row: Int, sequence: Int64, of rows: ParsedRows, to statement: Statement) throws {
        try bind(row, of: rows, to: statement, offset: 0)
        try statement.bind(sequence, at: Int32(rows.width + 1))
        for (index, column) in table.dedupeColumns.enumerated() {
            let source = table.columnNames.firstIndex(of: column)!
            try bindCell(row, column: source, of: rows, to: statement, at: Int32(rows.width + 2 + index))
        }
    }

    private func bind(_ row: Int, of rows: ParsedRows, to statement: Statement, offset: Int) throws {
        for column in 0..<rows.width {
            try bindCell(row, column: column, of: rows, to: statement, at: Int32(offset + column + 1))
        }
    }

    private func bindCell(_ row: Int, column: Int, of rows: ParsedRows, to statement: Statement, at parameter: Int32)
        throws
    {
        let index = row * rows.width + column
        let cell = rows.cells[index]
        if rows.nulls[index] {
            try statement.bindNullFast(at: parameter)
            return
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
