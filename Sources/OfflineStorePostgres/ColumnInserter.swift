import FeatureStoreCore
import OfflineStoreSQLite
import PostgresClient
import SQLite

/// Parsed rows into a table by `INSERT INTO t (...) SELECT * FROM unnest($1::bigint[], ...)`: one
/// array parameter per column in PostgreSQL's binary form, up to ``rowsPerStatement`` rows a
/// statement, the next statement encoded and sent while the server runs the one before.
///
/// (COPY would skip the executor, but postgres-nio's COPY, `async` and text only, was seen to
/// wedge the connection when the server stopped mid-transfer: the ROLLBACK after it never
/// completed. Plain statements fail cleanly, and with arrays the server parses no text.)
struct ColumnInserter {
    /// Rows per statement: large enough that a statement's fixed costs vanish, small enough that
    /// encoding the next overlaps the server's work on this one.
    static let rowsPerStatement = 20_000
    /// A statement is sent early once its arrays hold this many bytes (long text or bytes).
    static let bytesPerStatement = 32 << 20
    /// Statements in flight at once.
    static let inFlight = 2

    private let sql: String
    private let types: [ValueType]
    private let hasLeading: Bool

    /// - Parameters:
    ///   - table: the table, unqualified (the transaction's search path names its schema).
    ///   - columns: the columns the rows fill, in the rows' order, with their types.
    ///   - leadingColumn: a column before them filled from a separate list (the replaced versions'
    ///     ``HistoryTable/replacedByColumn``).
    /// The rows' arrival numbers fill ``HistoryTable/sequenceColumn``, last.
    init(table: String, columns: [String], types: [ValueType], leadingColumn: String? = nil) {
        let names = (leadingColumn.map { [$0] } ?? []) + columns + [HistoryTable.sequenceColumn]
        let arrays =
            (leadingColumn == nil ? [] : [PostgresArray.Element.bigint]) + types.map(\.arrayElement) + [.bigint]
        let parameters = arrays.enumerated().map { "$\($0 + 1)::\($1.rawValue)[]" }
        sql =
            "INSERT INTO \(quoteIdentifier(table)) (\(names.map(quoteIdentifier).joined(separator: ", "))) SELECT * FROM unnest(\(parameters.joined(separator: ", ")))"
        self.types = types
        hasLeading = leadingColumn != nil
    }

    /// Inserts row `selection[i]` of `rows` under arrival number `sequences[i]` (and leading value
    /// `leading[i]`), for every `i`.
    func insert(
        _ rows: ParsedRows, selection: [Int32], sequences: [Int64], leading: [Int64]? = nil,
        _ transaction: PostgresTransaction, progress: (Int) -> Void = { _ in }
    ) throws {
        precondition(selection.count == sequences.count && (leading?.count ?? selection.count) == selection.count)
        precondition((leading != nil) == hasLeading)
        var pending: [PendingRows] = []
        defer {
            // After a failure: let what was sent end (its outcome no longer matters) before the
            // transaction rolls back.
            for statement in pending { _ = try? statement.wait() }
        }
        var start = 0
        while start < selection.count {
            let capacity = min(Self.rowsPerStatement, selection.count - start)
            var arrays = types.map { PostgresArray($0.arrayElement, capacity: capacity) }
            var sequenceArray = PostgresArray(.bigint, capacity: capacity)
            var leadingArray = leading.map { _ in PostgresArray(.bigint, capacity: capacity) }
            var bytes = 0
            var end = start
            while end < selection.count, end - start < Self.rowsPerStatement, bytes < Self.bytesPerStatement {
                if end > 0 { progress(end) }
                let row = Int(selection[end])
                let base = row * rows.width
                for column in 0..<rows.width {
                    Self.append(rows, cell: base + column, type: types[column], to: &arrays[column], bytes: &bytes)
                }
                sequenceArray.append(sequences[end])
                if let leading { leadingArray?.append(leading[end]) }
                end += 1
            }
            var values = leadingArray.map { [PostgresValue.array($0)] } ?? []
            values += arrays.map(PostgresValue.array)
            values.append(.array(sequenceArray))
            pending.append(transaction.send(sql, values))
            if pending.count >= Self.inFlight { _ = try pending.removeFirst().wait() }
            start = end
        }
        while !pending.isEmpty { _ = try pending.removeFirst().wait() }
    }

    /// Appends cell `index` of `rows`, of `type`, to `array`, counting the bytes of text and bytes.
    @inline(__always)
    static func append(
        _ rows: ParsedRows, cell index: Int, type: ValueType, to array: inout PostgresArray, bytes: inout Int
    ) {
        if rows.nulls[index] {
            array.appendNull()
            return
        }
        let cell = rows.cells[index]
        switch type {
        case .int64, .bool, .timestamp:
            array.append(cell)
        case .float64:
            let value = Double(bitPattern: UInt64(bitPattern: cell))
            // SQLite stores NaN as NULL, and -0 as 0 (a whole REAL is stored as an integer); so
            // does this store, so both read back the same.
            if value.isNaN { array.appendNull() } else { array.append(value == 0 ? 0 : value) }
        case .string, .bytes:
            rows.withBytes(cell) { value in
                bytes += value.count
                array.append(bytes: value)
            }
        }
    }
}

extension ValueType {
    /// The array element type values of this type are bound as (their column's type).
    var arrayElement: PostgresArray.Element {
        switch self {
        case .int64, .bool, .timestamp: .bigint
        case .float64: .doublePrecision
        case .string: .text
        case .bytes: .bytea
        }
    }
}
