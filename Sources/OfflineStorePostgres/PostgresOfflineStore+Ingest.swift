import FeatureStoreCore
import OfflineStoreSQLite
import PostgresClient
import SQLite

extension PostgresOfflineStore {
    /// Appends a file's rows to a source's history in one transaction (the rows by `COPY`, then
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
            let data = CopyText.encode(rows, types: table.columnTypes, firstSequence: first, progress: progress)
            timer.mark("encode")
            try transaction.copyFrom(
                table: table.name, columns: table.columnNames + [HistoryTable.sequenceColumn], data: data)
            timer.mark("copy")
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
            let data = CopyText.encode(parsed, types: table.columnTypes, firstSequence: first) { _ in }
            try transaction.copyFrom(
                table: table.name, columns: table.columnNames + [HistoryTable.sequenceColumn], data: data)
            return AppendResult(
                rows: rows, table: table, first: first, inserted: rows.count, replaced: 0, duplicates: 0)
        }
    }
}

/// Rows in PostgreSQL's COPY text format.
enum CopyText {
    /// One line per row: the cells of `rows` (typed by `types`), then the row's arrival number
    /// (`firstSequence` + its index).
    static func encode(
        _ rows: ParsedRows, types: [ValueType], firstSequence: Int64, progress: (Int) -> Void
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(rows.count * (rows.width * 12 + 24))
        for row in 0..<rows.count {
            if row > 0 { progress(row) }
            for column in 0..<rows.width {
                let index = row * rows.width + column
                if column > 0 { out.append(UInt8(ascii: "\t")) }
                if rows.nulls[index] {
                    out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
                    continue
                }
                let cell = rows.cells[index]
                switch types[column] {
                case .int64, .bool, .timestamp:
                    out.append(contentsOf: String(cell).utf8)
                case .float64:
                    let value = Double(bitPattern: UInt64(bitPattern: cell))
                    // SQLite stores NaN as NULL; so does this store.
                    if value.isNaN {
                        out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
                    } else if value.isInfinite {
                        out.append(contentsOf: (value < 0 ? "-Infinity" : "Infinity").utf8)
                    } else {
                        out.append(contentsOf: value.description.utf8)
                    }
                case .string:
                    rows.withBytes(cell) { bytes in
                        for byte in bytes {
                            switch byte {
                            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                            case UInt8(ascii: "\t"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                            case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                            case UInt8(ascii: "\r"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                            default: out.append(byte)
                            }
                        }
                    }
                case .bytes:
                    // `\\x` then hex: the escaped backslash of bytea's hex form.
                    out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\"), UInt8(ascii: "x")])
                    let digits = Array("0123456789abcdef".utf8)
                    rows.withBytes(cell) { bytes in
                        for byte in bytes {
                            out.append(digits[Int(byte >> 4)])
                            out.append(digits[Int(byte & 15)])
                        }
                    }
                }
            }
            out.append(UInt8(ascii: "\t"))
            out.append(contentsOf: String(firstSequence + Int64(row)).utf8)
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }
}
