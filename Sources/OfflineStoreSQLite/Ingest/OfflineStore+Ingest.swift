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
            if let first = chunk.problems.first, !options.skipBadRows {
                throw first.problem.error(file: file, rejectsPath: rejectsPath)
            }
            let inserted = try store(chunk.rows, plan: plan, table: table) { stored in
                guard let progress = options.progress, stored % options.progressInterval == 0 else { return }
                let share = Double(stored) / Double(max(chunk.rows.count, 1))
                progress(
                    IngestProgress(
                        bytesRead: Int(share * Double(buffer.count)), totalBytes: buffer.count, rows: stored,
                        rejected: chunk.problems.count, seconds: started.secondsSince))
            }
            var rejects = RejectsWriter(path: rejectsPath)
            for (problem, record) in chunk.problems {
                rejects.add(problem, record: UnsafeBufferPointer(rebasing: buffer[record]))
            }
            if rejects.count > 0 { try rejects.write() }
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
        _ rows: ParsedRows, plan: IngestPlan, table: HistoryTable, progress: (Int) -> Void
    ) throws -> Int {
        let types = plan.columns.map(\.type)
        let order = rows.storageOrder(types: Array(types[..<(table.keyColumns.count + 2)]))
        return try storage {
            guard try database.tableExists(table.name) else {
                throw FeatureStoreError.notFound(
                    "source '\(table.source.name)' has no history table yet; run fs apply first")
            }
            try database.execute("PRAGMA cache_size = -131072")
            let names = table.columnNames.map(quoteIdentifier).joined(separator: ", ")
            let marks = Array(repeating: "?", count: table.columnNames.count).joined(separator: ", ")
            let insert = try database.prepare(
                "INSERT OR IGNORE INTO \(quoteIdentifier(table.name)) (\(names)) VALUES (\(marks))")
            return try database.transaction {
                var inserted = 0
                let width = rows.width
                for (done, row) in order.enumerated() {
                    if done > 0 { progress(done) }
                    let base = Int(row) * width
                    for column in 0..<width {
                        let parameter = Int32(column + 1)
                        let cell = rows.cells[base + column]
                        if rows.nulls[base + column] {
                            try insert.bindNullFast(at: parameter)
                            continue
                        }
                        switch types[column] {
                        case .int64, .bool, .timestamp:
                            try insert.bind(cell, at: parameter)
                        case .float64:
                            try insert.bind(Double(bitPattern: UInt64(bitPattern: cell)), at: parameter)
                        case .string:
                            try rows.withBytes(cell) { try insert.bindText($0, at: parameter) }
                        case .bytes:
                            try rows.withBytes(cell) { try insert.bindBlob($0, at: parameter) }
                        }
                    }
                    inserted += try insert.executeBound()
                }
                return inserted
            }
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
