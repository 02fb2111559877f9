import FeatureStoreCore
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
        let bytes = try readFileBytes(file)
        return try bytes.withUnsafeBufferPointer { buffer in
            do {
                switch format {
                case .csv:
                    var reader = try CSVReader(bytes: buffer)
                    return try ingest(
                        &reader, buffer: buffer, file: file, table: table, options: options, started: started)
                case .jsonl:
                    var reader = try JSONLReader(bytes: buffer, columns: IngestPlan.jsonColumns(for: table))
                    return try ingest(
                        &reader, buffer: buffer, file: file, table: table, options: options, started: started)
                }
            } catch let error as RecordSyntaxError {
                throw FeatureStoreError.invalidInput("\(file):\(error.line): \(error.message)")
            }
        }
    }

    private func ingest<Reader: RecordReader>(
        _ reader: inout Reader, buffer: UnsafeBufferPointer<UInt8>, file: String, table: HistoryTable,
        options: IngestOptions, started: ContinuousClock.Instant
    ) throws -> IngestResult {
        let plan = try IngestPlan(table: table, fileColumns: reader.columns, file: file)
        let rejectsPath = options.rejectsPath ?? file + ".rejects.csv"
        var rejects = RejectsWriter(path: rejectsPath)
        var rows = 0
        var inserted = 0
        try storage {
            guard try database.tableExists(table.name) else {
                throw FeatureStoreError.notFound(
                    "source '\(table.source.name)' has no history table yet; run fs apply first")
            }
            try database.execute("PRAGMA cache_size = -131072")
            let names = table.columnNames.map(quoteIdentifier).joined(separator: ", ")
            let marks = Array(repeating: "?", count: table.columnNames.count).joined(separator: ", ")
            let insert = try database.prepare(
                "INSERT OR IGNORE INTO \(quoteIdentifier(table.name)) (\(names)) VALUES (\(marks))")
            var binder = RowBinder(plan: plan, statement: insert, buffer: buffer)
            try database.transaction {
                var fields: [FieldRef] = []
                func reject(_ problem: IngestRowProblem) throws {
                    guard options.skipBadRows else { throw problem.error(file: file, rejectsPath: rejectsPath) }
                    rejects.add(problem, record: UnsafeBufferPointer(rebasing: buffer[reader.recordRange]))
                }
                while true {
                    do {
                        guard try reader.next(into: &fields) else { break }
                    } catch let error as RecordSyntaxError {
                        rows += 1
                        try reject(IngestRowProblem(line: error.line, reason: error.message))
                        continue
                    }
                    rows += 1
                    if let problem = try binder.bind(fields, line: reader.line) {
                        insert.reset()
                        try reject(problem)
                    } else {
                        inserted += try insert.executeBound()
                    }
                    if let progress = options.progress, rows % options.progressInterval == 0 {
                        progress(
                            IngestProgress(
                                bytesRead: reader.recordRange.upperBound, totalBytes: buffer.count, rows: rows,
                                rejected: rejects.count, seconds: started.secondsSince))
                    }
                }
                if rejects.count > 0 { try rejects.write() }
            }
        }
        return IngestResult(
            rows: rows, inserted: inserted, duplicates: rows - rejects.count - inserted, rejected: rejects.count,
            rejectsPath: rejects.count > 0 ? rejectsPath : nil, seconds: started.secondsSince)
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
