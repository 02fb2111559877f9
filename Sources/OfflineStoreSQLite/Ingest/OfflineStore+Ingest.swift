import FeatureStoreCore
import Foundation
import SQLite

extension OfflineStore {
    /// Appends the rows of a CSV or JSON Lines file to a source's history table, in one transaction.
    ///
    /// Each row is checked against the source's schema (file columns by raw name, or else by mapped
    /// name). Every row is an event of its own, two identical rows included, unless the source
    /// declares `dedupe_on` (then rows with the same values there are one event, the later created
    /// time winning). A file whose content was already ingested into the source is not stored
    /// again (the result says when it was) unless ``IngestOptions/force`` is set.
    ///
    /// - Parameters:
    ///   - file: the input file.
    ///   - format: how to read it.
    ///   - table: the source's history table (it must exist: `fs apply` creates it).
    ///   - options: skipping bad rows, forcing a repeat, progress reporting.
    ///   - now: the ingest's time, recorded in the ingest log.
    /// - Throws: ``FeatureStoreError`` with code `invalidInput` naming `file:line`, the column and
    ///   the value of the first bad row (and nothing of the file is stored), unless
    ///   ``IngestOptions/skipBadRows`` is set; `io` when the file cannot be read; `storage`.
    public func ingest(
        file: String, format: TabularFormat, into table: HistoryTable, options: IngestOptions = IngestOptions(),
        now: Timestamp = Timestamp(microseconds: 0)
    ) throws -> IngestResult {
        try IngestRun.ingest(
            file: file, format: format, into: table, options: options, now: now,
            earlierIngest: { fingerprint in try storage { try ingestRecord(of: table, fingerprint: fingerprint) } },
            store: { rows, plan, record, timer, progress in
                try store(
                    rows, plan: plan, table: table, record: record, profiling: options.profileColumns, timer: &timer,
                    progress: progress)
            })
    }
}

/// The ingest of a file on any backend: reading, fingerprinting, parsing and checking (one
/// implementation, so both backends give the same results and messages); the backend stores.
package enum IngestRun {
    /// ``OfflineStore/ingest(file:format:into:options:now:)`` with the backend's parts:
    ///
    /// - Parameters:
    ///   - earlierIngest: the ingest log's record of the same content (by fingerprint), if any.
    ///   - store: stores the parsed rows and logs the ingest in one transaction (checking the log
    ///     again inside it unless the record is forced).
    package static func ingest(
        file: String, format: TabularFormat, into table: HistoryTable, options: IngestOptions, now: Timestamp,
        earlierIngest: (String) throws -> IngestRecord?,
        store: (ParsedRows, IngestPlan, IngestRecord, inout PhaseTimer, (Int) -> Void) throws -> IngestStoreOutcome
    ) throws -> IngestResult {
        let started = ContinuousClock.now
        var timer = PhaseTimer("ingest")
        let bytes = try readFileBytes(file)
        timer.mark("read file")
        let fingerprint = bytes.withUnsafeBytes { buffer in
            var hash = ContentHash()
            hash.combine(buffer)
            return hash.hex
        }
        timer.mark("fingerprint")
        if !options.force, let earlier = try earlierIngest(fingerprint) {
            return IngestResult(alreadyIngested: earlier, seconds: started.secondsSince)
        }
        return try bytes.withUnsafeBufferPointer { buffer in
            let chunk: ParsedChunk
            let plan: IngestPlan
            do {
                switch format {
                case .csv:
                    let reader = try CSVReader(bytes: buffer)
                    plan = try IngestPlan(
                        table: table, fileColumns: reader.columns, file: file, eventTimeLimit: options.eventTimeLimit)
                    chunk = plan.parseCSV(reader, buffer: buffer, keepGoing: options.skipBadRows)
                case .jsonl:
                    var reader = try JSONLReader(bytes: buffer, columns: IngestPlan.jsonColumns(for: table))
                    plan = try IngestPlan(
                        table: table, fileColumns: reader.columns, file: file, eventTimeLimit: options.eventTimeLimit)
                    chunk = plan.parseAll(
                        &reader, buffer: buffer, keepGoing: options.skipBadRows, capacityHint: buffer.count / 128)
                }
            } catch let error as RecordSyntaxError {
                throw FeatureStoreError.invalidInput("\(file):\(error.line): \(error.message)")
            }
            let rejectsPath = options.rejectsPath ?? file + ".rejects.csv"
            timer.mark("parse")
            if let first = chunk.problems.first, !options.skipBadRows {
                throw first.problem.error(file: file, rejectsPath: rejectsPath)
            }
            // The reject file is written before the commit (and removed if the commit fails), so a
            // committed ingest always has its rejects on disk.
            var rejects = RejectsWriter(path: rejectsPath)
            for (problem, record) in chunk.problems {
                rejects.add(problem, record: UnsafeBufferPointer(rebasing: buffer[record]))
            }
            if rejects.count > 0 { try rejects.write() }
            let record = IngestRecord(
                file: file, fingerprint: fingerprint, rows: chunk.records, stored: 0, ingestedAt: now,
                forced: options.force)
            let outcome: IngestStoreOutcome
            do {
                outcome = try store(chunk.rows, plan, record, &timer) { stored in
                    guard let progress = options.progress, stored % options.progressInterval == 0 else { return }
                    let share = Double(stored) / Double(max(chunk.rows.count, 1))
                    progress(
                        IngestProgress(
                            bytesRead: Int(share * Double(buffer.count)), totalBytes: buffer.count, rows: stored,
                            rejected: chunk.problems.count, seconds: started.secondsSince))
                }
            } catch {
                if rejects.count > 0 { try? FileManager.default.removeItem(atPath: rejectsPath) }
                throw error
            }
            if let earlier = outcome.alreadyIngested {
                if rejects.count > 0 { try? FileManager.default.removeItem(atPath: rejectsPath) }
                return IngestResult(alreadyIngested: earlier, seconds: started.secondsSince)
            }
            var result = IngestResult(
                rows: chunk.records, inserted: outcome.inserted, replaced: outcome.replaced,
                duplicates: outcome.duplicates, rejected: rejects.count,
                rejectsPath: rejects.count > 0 ? rejectsPath : nil, seconds: started.secondsSince)
            result.arrivedProfiles = outcome.arrivedProfiles
            return result
        }
    }

}

/// What storing a file's rows did.
package struct IngestStoreOutcome {
    package var inserted = 0
    package var replaced = 0
    package var duplicates = 0
    /// Set when another process ingested the same content first (nothing was stored).
    package var alreadyIngested: IngestRecord?
    /// The profiles of the stored rows, computed while inserting them.
    package var arrivedProfiles: ArrivedProfiles?

    package init(inserted: Int = 0, replaced: Int = 0, duplicates: Int = 0, alreadyIngested: IngestRecord? = nil) {
        self.inserted = inserted
        self.replaced = replaced
        self.duplicates = duplicates
        self.alreadyIngested = alreadyIngested
    }
}

extension OfflineStore {
    /// Stores parsed rows under fresh arrival numbers and logs the ingest, in one transaction.
    ///
    /// Without `dedupe_on` every parsed row is stored as it is, so the rows are profiled for
    /// `profiling` on a second core while they are inserted (the profile update after the commit
    /// then reads nothing back); with `dedupe_on` which rows are stored is known only after.
    private func store(
        _ rows: ParsedRows, plan: IngestPlan, table: HistoryTable, record: IngestRecord,
        profiling: [OfflineProfileColumn], timer: inout PhaseTimer, progress: (Int) -> Void
    ) throws -> IngestStoreOutcome {
        // Rows are stored in event-time order, file order among equal times (near-appends to the
        // clustering key), and numbered in that order: the rows of one file arrive together, so
        // their arrival numbers only have to keep file order where it decides something (a tie
        // of event and created times), and the unique index on arrival numbers takes appends too.
        // With dedupe_on rows go in file order, where the later arrival must win a tie of created
        // times.
        let order =
            table.source.dedupeOn.isEmpty
            ? rows.storageOrder(eventColumn: 0) : (0..<Int32(rows.count)).map { $0 }
        timer.mark("sort")
        return try storage {
            try database.execute("PRAGMA cache_size = -131072")
            try database.execute("BEGIN IMMEDIATE")
            do {
                try requireTable(table)
                if !record.forced, let earlier = try ingestRecord(of: table, fingerprint: record.fingerprint) {
                    try database.execute("ROLLBACK")
                    return IngestStoreOutcome(alreadyIngested: earlier)
                }
                var inserter = try HistoryInserter(database: database, table: table, types: plan.columns.map(\.type))
                let first = try allocateSequence(rows.count)
                func insert() throws {
                    for (done, row) in order.enumerated() {
                        if done > 0 { progress(done) }
                        try inserter.add(row: Int(row), sequence: first + Int64(done), of: rows)
                    }
                    try inserter.finish(rows)
                }
                let arrived = try ArrivedProfiles.computed(
                    for: rows, order: order, table: table, columns: profiling, after: first - 1
                ) {
                    try insert()
                    timer.mark("insert")
                }
                if arrived != nil { timer.mark("profiles (second core) beyond the insert") }
                var logged = record
                logged.stored = inserter.inserted + inserter.replaced
                try log(logged, table: table)
                try database.execute("COMMIT")
                timer.mark("commit")
                var outcome = IngestStoreOutcome(
                    inserted: inserter.inserted, replaced: inserter.replaced, duplicates: inserter.duplicates)
                outcome.arrivedProfiles = arrived
                return outcome
            } catch {
                try? database.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// The earlier ingest of the same content into `table`, if any.
    func ingestRecord(of table: HistoryTable, fingerprint: String) throws -> IngestRecord? {
        let statement = try database.prepare(
            "SELECT file, fingerprint, rows, stored, ingested_at, forced FROM ingest_log WHERE source = ? AND generation = ? AND fingerprint = ? ORDER BY id LIMIT 1"
        )
        try statement.bind([.text(table.source.name), .integer(table.generation), .text(fingerprint)])
        guard try statement.step() else { return nil }
        return IngestRecord(
            file: statement.text(0), fingerprint: statement.text(1), rows: Int(statement.int64(2)),
            stored: Int(statement.int64(3)), ingestedAt: Timestamp(microseconds: statement.int64(4)),
            forced: statement.int64(5) != 0)
    }

    private func log(_ record: IngestRecord, table: HistoryTable) throws {
        try database.prepare(
            "INSERT INTO ingest_log (source, generation, file, fingerprint, rows, stored, ingested_at, forced) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        ).run([
            .text(table.source.name), .integer(table.generation), .text(record.file), .text(record.fingerprint),
            .integer(Int64(record.rows)), .integer(Int64(record.stored)), .integer(record.ingestedAt.microseconds),
            .integer(record.forced ? 1 : 0),
        ])
    }

    /// Every ingest into `table`, oldest first.
    public func ingestLog(of table: HistoryTable) throws -> [IngestRecord] {
        try storage {
            let statement = try database.prepare(
                "SELECT file, fingerprint, rows, stored, ingested_at, forced FROM ingest_log WHERE source = ? AND generation = ? ORDER BY id"
            )
            try statement.bind([.text(table.source.name), .integer(table.generation)])
            var records: [IngestRecord] = []
            while try statement.step() {
                records.append(
                    IngestRecord(
                        file: statement.text(0), fingerprint: statement.text(1), rows: Int(statement.int64(2)),
                        stored: Int(statement.int64(3)), ingestedAt: Timestamp(microseconds: statement.int64(4)),
                        forced: statement.int64(5) != 0))
            }
            return records
        }
    }
}

extension ContinuousClock.Instant {
    /// Seconds elapsed since this instant.
    package var secondsSince: Double {
        let duration = ContinuousClock.now - self
        return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

extension IngestRowProblem {
    init(line: Int, reason: String) {
        self.init(line: line, column: nil, value: nil, reason: reason)
    }
}
