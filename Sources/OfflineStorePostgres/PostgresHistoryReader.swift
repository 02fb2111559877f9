import FeatureStoreCore
import Foundation
import OfflineStoreSQLite
import PostgresClient
import SQLite

/// The PostgreSQL store's rows for the shared reading code: SELECTs run through a server-side
/// cursor in the caller's read transaction, fetched in batches (a scan never holds a whole table
/// in memory twice).
final class PostgresHistoryReader: HistoryReader {
    let transaction: PostgresTransaction
    private var cursors = 0

    init(transaction: PostgresTransaction) { self.transaction = transaction }

    var parameterPrefix: String { "$" }
    /// PostgreSQL promises no order without ORDER BY.
    var readsInClusteringOrder: Bool { false }

    func cursor(_ sql: String, _ parameters: [Int64]) throws -> PostgresRowCursor {
        // DECLARE takes no bound parameters: the integers are written into the SQL (highest
        // number first, so `$1` never rewrites the start of `$10`).
        var text = sql
        for (index, value) in parameters.enumerated().reversed() {
            text = text.replacingOccurrences(of: "$\(index + 1)", with: "(\(value))::bigint")
        }
        cursors += 1
        let name = "fs_rows_\(cursors)"
        try transaction.query("DECLARE \(name) NO SCROLL CURSOR FOR \(text)")
        return PostgresRowCursor(transaction: transaction, name: name)
    }

    func rowCount(of table: HistoryTable) throws -> Int {
        Int(try transaction.scalarInt("SELECT COUNT(*) FROM \(quoteIdentifier(table.name))") ?? 0)
    }
}

/// Rows of a server-side cursor, fetched in batches, cells decoded to SQLite's storage classes.
struct PostgresRowCursor: RowCursor {
    static let batchSize = 20_000

    let transaction: PostgresTransaction
    let name: String
    private var batch: [PostgresResultRow] = []
    private var next = 0
    private var finished = false
    /// The FETCH of the next batch, sent before the current batch is read.
    private var pending: PendingRows?
    /// The current row's cells.
    private var cells: [PostgresCellValue] = []
    private var names: [String] = []

    init(transaction: PostgresTransaction, name: String) {
        self.transaction = transaction
        self.name = name
    }

    mutating func step() throws -> Bool {
        if next == batch.count {
            if finished { return false }
            batch = try (pending ?? transaction.send(fetch)).wait()
            pending = nil
            next = 0
            if batch.count < Self.batchSize {
                finished = true
                try transaction.query("CLOSE \(name)")
            } else {
                // The next batch is produced, sent and unpacked while this one is read.
                pending = transaction.send(fetch)
            }
            if batch.isEmpty { return false }
        }
        let row = batch[next]
        next += 1
        if names.isEmpty { names = (0..<row.count).map(row.columnName) }
        cells.removeAll(keepingCapacity: true)
        for column in 0..<row.count { cells.append(try row.value(column)) }
        return true
    }

    private var fetch: String { "FETCH FORWARD \(Self.batchSize) FROM \(name)" }

    func columnName(_ column: Int32) -> String { names[Int(column)] }

    func storage(_ column: Int32) -> CellStorage {
        switch cells[Int(column)] {
        case .null: .null
        case .integer: .integer
        case .real: .real
        case .text: .text
        case .blob: .blob
        }
    }

    func isNull(_ column: Int32) -> Bool { cells[Int(column)] == .null }

    func int64(_ column: Int32) -> Int64 {
        switch cells[Int(column)] {
        case .integer(let value): value
        case .real(let value): Int64(exactly: value.rounded(.towardZero)) ?? 0
        default: 0
        }
    }

    func double(_ column: Int32) -> Double {
        switch cells[Int(column)] {
        case .integer(let value): Double(value)
        case .real(let value): value
        default: 0
        }
    }

    func text(_ column: Int32) -> String {
        switch cells[Int(column)] {
        case .text(let value): value
        case .integer(let value): String(value)
        case .real(let value): value.description
        case .blob(let bytes): String(decoding: bytes, as: UTF8.self)
        case .null: ""
        }
    }

    func blob(_ column: Int32) -> [UInt8] {
        switch cells[Int(column)] {
        case .blob(let bytes): bytes
        case .null: []
        default: Array(text(column).utf8)
        }
    }

    func withTextBytes<T>(_ column: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        var value = text(column)
        return try value.withUTF8 { try body($0) }
    }

    func withBlobBytes<T>(_ column: Int32, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try blob(column).withUnsafeBytes { try body($0) }
    }
}
