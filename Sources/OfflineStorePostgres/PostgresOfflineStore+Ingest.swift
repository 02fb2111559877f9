import FeatureStoreCore
import OfflineStoreSQLite
import PostgresClient
import SQLite

extension PostgresOfflineStore {
    /// Appends a file's rows to a source's history in one transaction (the rows by multi-row INSERTs, then
    /// the ingest log's row): the SQLite store's reading, checks, messages, idempotency and
    /// `--force` (see ``OfflineStore/ingest(file:format:into:options:now:)``).
    public func ingest(
        file: String, format: TabularFormat, into table: HistoryTable, options: IngestOptions, now: Timestamp
    ) throws -> IngestResult {
        try IngestRun.ingest(
            file: file, format: format, into: table, options: options, now: now,
            earlierIngest: { fingerprint in
                try session.transaction { try ingestRecord(of: table, fingerprint: fingerprint, $0) }
            },
            store: { rows, _, record, timer, progress in
                try store(rows, table: table, record: record, timer: &timer, progress: progress)
            })
    }

    private func store(
        _ rows: ParsedRows, table: HistoryTable, record: IngestRecord, timer: inout PhaseTimer,
        progress: (Int) -> Void
    ) throws -> IngestStoreOutcome {
        try write { transaction in
            // The counter's row lock first: a concurrent ingest of the same content waits here,
            // then sees the first one's log row below.
            try transaction.query("SELECT value FROM \(schema).offline_meta WHERE key = 'next_sequence' FOR UPDATE")
            try requireTable(table, transaction)
            if !record.forced,
                let earlier = try ingestRecord(of: table, fingerprint: record.fingerprint, transaction)
            {
                return IngestStoreOutcome(alreadyIngested: earlier)
            }
            let first = try allocateSequence(rows.count, transaction)
            try RowInserter.insert(
                rows, types: table.columnTypes, columns: table.columnNames, firstSequence: first, into: table.name,
                transaction, progress: progress)
            timer.mark("insert")
            try transaction.query(
                "INSERT INTO \(schema).ingest_log (source, generation, file, fingerprint, rows, stored, ingested_at, forced) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                [
                    .text(table.source.name), .integer(table.generation), .text(record.file), .text(record.fingerprint),
                    .integer(Int64(record.rows)), .integer(Int64(rows.count)), .integer(record.ingestedAt.microseconds),
                    .integer(record.forced ? 1 : 0),
                ])
            return IngestStoreOutcome(inserted: rows.count)
        }
    }

    /// The earlier ingest of the same content into `table`, if any.
    func ingestRecord(of table: HistoryTable, fingerprint: String, _ transaction: PostgresTransaction) throws
        -> IngestRecord?
    {
        try transaction.query(
            "SELECT file, fingerprint, rows, stored, ingested_at, forced FROM \(schema).ingest_log WHERE source = $1 AND generation = $2 AND fingerprint = $3 ORDER BY id LIMIT 1",
            [.text(table.source.name), .integer(table.generation), .text(fingerprint)]
        ).first.map(Self.record)
    }

    /// Every ingest into `table`, oldest first.
    public func ingestLog(of table: HistoryTable) throws -> [IngestRecord] {
        try session.query(
            "SELECT file, fingerprint, rows, stored, ingested_at, forced FROM \(schema).ingest_log WHERE source = $1 AND generation = $2 ORDER BY id",
            [.text(table.source.name), .integer(table.generation)]
        ).map(Self.record)
    }

    private static func record(_ row: PostgresResultRow) throws -> IngestRecord {
        IngestRecord(
            file: try row.text(0), fingerprint: try row.text(1), rows: Int(try row.int64(2)),
            stored: Int(try row.int64(3)), ingestedAt: Timestamp(microseconds: try row.int64(4)),
            forced: try row.int64(5) != 0)
    }

    /// Appends typed rows (a push) in one transaction: all of them or none (see
    /// ``OfflineStore/append(rows:to:)``).
    @discardableResult
    public func append(rows: [[FeatureValue]], to table: HistoryTable) throws -> AppendResult {
        if rows.isEmpty {
            return AppendResult(rows: [], table: table, first: 0, inserted: 0, replaced: 0, duplicates: 0)
        }
        let parsed = try ParsedRows(pushed: rows, table: table)
        return try write { transaction in
            try requireTable(table, transaction)
            let first = try allocateSequence(rows.count, transaction)
            try RowInserter.insert(
                parsed, types: table.columnTypes, columns: table.columnNames, firstSequence: first, into: table.name,
                transaction
            ) { _ in }
            return AppendResult(
                rows: rows, table: table, first: first, inserted: rows.count, replaced: 0, duplicates: 0)
        }
    }
}

/// Parsed rows as multi-row INSERTs.
///
/// (COPY would be faster, but postgres-nio's COPY, `async` only, was seen to wedge the connection
/// when the server stops mid-transfer: the ROLLBACK after it never completed. Plain statements
/// fail cleanly.)
enum RowInserter {
    /// Parameters per statement stay under PostgreSQL's limit of 65,535.
    static func rowsPerStatement(width: Int) -> Int { max(1, min(1_000, 60_000 / (width + 1))) }

    /// Inserts every row of `rows` (typed by `types`, into `columns` then the arrival number
    /// column), row `i` under arrival number `firstSequence + i`.
    static func insert(
        _ rows: ParsedRows, types: [ValueType], columns: [String], firstSequence: Int64, into table: String,
        _ transaction: PostgresTransaction, progress: (Int) -> Void
    ) throws {
        let names = (columns + [HistoryTable.sequenceColumn]).map(quoteIdentifier).joined(separator: ", ")
        let perStatement = rowsPerStatement(width: rows.width)
        var start = 0
        while start < rows.count {
            let end = min(start + perStatement, rows.count)
            var values: [PostgresValue] = []
            values.reserveCapacity((end - start) * (rows.width + 1))
            var tuples: [String] = []
            for row in start..<end {
                if row > 0 { progress(row) }
                var placeholders: [String] = []
                for column in 0..<rows.width {
                    values.append(value(rows, row: row, column: column, type: types[column]))
                    placeholders.append("$\(values.count)")
                }
                values.append(.integer(firstSequence + Int64(row)))
                placeholders.append("$\(values.count)")
                tuples.append("(" + placeholders.joined(separator: ", ") + ")")
            }
            try transaction.query(
                "INSERT INTO \(quoteIdentifier(table)) (\(names)) VALUES \(tuples.joined(separator: ", "))", values)
            start = end
        }
    }

    private static func value(_ rows: ParsedRows, row: Int, column: Int, type: ValueType) -> PostgresValue {
        let index = row * rows.width + column
        if rows.nulls[index] { return .null }
        let cell = rows.cells[index]
        switch type {
        case .int64, .bool, .timestamp: return .integer(cell)
        case .float64:
            let value = Double(bitPattern: UInt64(bitPattern: cell))
            // SQLite stores NaN as NULL; so does this store.
            return value.isNaN ? .null : .real(value)
        case .string: return .text(rows.withBytes(cell) { String(decoding: $0, as: UTF8.self) })
        case .bytes: return .bytes(rows.withBytes(cell) { Array($0) })
        }
    }
}
