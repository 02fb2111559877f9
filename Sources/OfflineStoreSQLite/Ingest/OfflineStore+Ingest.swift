import FeatureStoreCore
import Foundation
import SQLite

extension OfflineStore {
    /// Appends the rows of a CSV or JSON Lines file to a source's history table, in one transaction.
    ///
    /// Each row is checked against the source's schema (file columns by raw name, or else by mapped
    /// name). A row already in the table (same keys, event and created time) is skipped, so
    /// ingesting a file twice adds nothing.
    ///
    /// - Parameters:
    ///   - file: the input file.
    ///   - format: how to read it.
    ///   - table: the source's history table (it must exist: `fs apply` creates it).
    ///   - options: skipping bad rows, progress reporting.
    /// - Throws: ``FeatureStoreError`` with code `invalidInput` naming `file:line`, the column and
    ///   the value of the first bad row (and nothing of the file is stored), unless
    ///   ``IngestOptions/skipBadRows`` is set; `io` when the file cannot be read; `storage`.
    public func ingest(
        file: String, format: TabularFormat, into table: HistoryTable, options: IngestOptions = IngestOptions()
    ) throws -> IngestResult {
        let started = ContinuousClock.now
        var timer = PhaseTimer("ingest")
        let bytes = try readFileBytes(file)
        timer.mark("read file")
        return try bytes.withUnsafeBufferPointer { buffer in
            let chunk: ParsedChunk
            let plan: IngestPlan
            do {
                switch format {
                case .csv:
                    let reader = try CSVReader(bytes: buffer)
                    plan = try IngestPlan(table: table, fileColumns: reader.columns, file: file)
                    chunk = plan.parseCSV(reader, buffer: buffer, keepGoing: options.skipBadRows)
                case .jsonl:
                    var reader = try JSONLReader(bytes: buffer, columns: IngestPlan.jsonColumns(for: table))
                    plan = try IngestPlan(table: table, fileColumns: reader.columns, file: file)
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
            let inserted: Int
            do {
                inserted = try store(chunk.rows, plan: plan, table: table, timer: &timer) { stored in
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
            return IngestResult(
                rows: chunk.records, inserted: inserted, duplicates: chunk.rows.count - inserted,
                rejected: rejects.count, rejectsPath: rejects.count > 0 ? rejectsPath : nil,
                seconds: started.secondsSince)
        }
    }

    /// Inserts parsed rows in primary-key order, in one transaction, skipping rows already stored.
    ///
    /// - Returns: how many rows were new.
    private func store(
        _ rows: ParsedRows, plan: IngestPlan, table: HistoryTable, timer: inout PhaseTimer, progress: (Int) -> Void
    ) throws -> Int {
        let types = plan.columns.map(\.type)
        let order = rows.storageOrder(types: Array(types[..<(table.keyColumns.count + 2)]))
        timer.mark("sort")
        return try storage {
            guard try database.tableExists(table.name) else {
                throw FeatureStoreError.notFound(
                    "source '\(table.source.name)' has no history table yet; run fs apply first")
            }
            try database.execute("PRAGMA cache_size = -131072")
            var inserter = try HistoryInserter(database: database, table: table, types: types)
            try database.execute("BEGIN IMMEDIATE")
            do {
                for (done, row) in order.enumerated() {
                    if done > 0 { progress(done) }
                    try inserter.add(row: Int(row), of: rows)
                }
                try inserter.finish(rows)
                timer.mark("insert")
                try database.execute("COMMIT")
                timer.mark("commit")
            } catch {
                try? database.execute("ROLLBACK")
                throw error
            }
            return inserter.inserted
        }
    }
}

extension ContinuousClock.Instant {
    /// Seconds elapsed since this instant.
    var secondsSince: Double {
        let duration = ContinuousClock.now - self
        return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

extension IngestRowProblem {
    init(line: Int, reason: String) {
        self.init(line: line, column: nil, value: nil, reason: reason)
    }
}
