import FeatureStoreCore
import OfflineStoreSQLite
import PostgresClient
import SQLite

extension PostgresOfflineStore {
    /// Appends a file's rows to a source's history in one transaction (the rows by ``HistoryWriter``,
    /// then the ingest log's row): the SQLite store's reading, checks, messages, idempotency,
    /// `dedupe_on` and `--force` (see ``OfflineStore/ingest(file:format:into:options:now:)``).
    public func ingest(
        file: String, format: TabularFormat, into table: HistoryTable, options: IngestOptions, now: Timestamp
    ) throws -> IngestResult {
        try IngestRun.ingest(
            file: file, format: format, into: table, options: options, now: now,
            earlierIngest: { fingerprint in
                try session.transaction { try ingestRecord(of: table, fingerprint: fingerprint, $0) }
            },
            store: { rows, _, record, timer, progress in
                try store(
                    rows, table: table, record: record, profiling: options.profileColumns, timer: &timer,
                    progress: progress)
            })
    }

    /// Stores the rows and logs the ingest in one transaction; without `dedupe_on` the rows are
    /// profiled on a second core meanwhile (as ``OfflineStore`` does).
    private func store(
        _ rows: ParsedRows, table: HistoryTable, record: IngestRecord, profiling: [OfflineProfileColumn],
        timer: inout PhaseTimer, progress: (Int) -> Void
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
            var outcome = HistoryWriter.Outcome()
            let arrived = try ArrivedProfiles.computed(
                for: rows, order: rows.storageOrder(eventColumn: 0), table: table, columns: profiling,
                after: first - 1
            ) {
                outcome = try HistoryWriter.store(
                    rows, table: table, firstSequence: first, numbering: .storageOrder, transaction,
                    progress: progress)
                timer.mark("insert")
            }
            if arrived != nil { timer.mark("profiles (second core) beyond the insert") }
            try transaction.query(
                "INSERT INTO \(schema).ingest_log (source, generation, file, fingerprint, rows, stored, ingested_at, forced) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                [
                    .text(table.source.name), .integer(table.generation), .text(record.file), .text(record.fingerprint),
                    .integer(Int64(record.rows)), .integer(Int64(outcome.inserted + outcome.replaced)),
                    .integer(record.ingestedAt.microseconds),
                    .integer(record.forced ? 1 : 0),
                ])
            timer.mark("log")
            var stored = IngestStoreOutcome(
                inserted: outcome.inserted, replaced: outcome.replaced, duplicates: outcome.duplicates)
            stored.arrivedProfiles = arrived
            return stored
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

    /// Appends typed rows (a push) in one transaction: all of them or none, `dedupe_on` as for an
    /// ingest (see ``OfflineStore/append(rows:to:)``).
    @discardableResult
    public func append(rows: [[FeatureValue]], to table: HistoryTable) throws -> AppendResult {
        if rows.isEmpty {
            return AppendResult(rows: [], table: table, first: 0, inserted: 0, replaced: 0, duplicates: 0)
        }
        let parsed = try ParsedRows(pushed: rows, table: table)
        return try write { transaction in
            try requireTable(table, transaction)
            // The counter's row lock, held to the commit, before anything is read or written.
            let first = try allocateSequence(rows.count, transaction)
            let outcome = try HistoryWriter.store(
                parsed, table: table, firstSequence: first, numbering: .inputOrder, transaction
            ) { _ in }
            return AppendResult(
                rows: rows, table: table, first: first, inserted: outcome.inserted, replaced: outcome.replaced,
                duplicates: outcome.duplicates)
        }
    }
}
