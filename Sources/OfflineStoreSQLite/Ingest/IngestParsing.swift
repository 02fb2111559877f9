import Dispatch
import FeatureStoreCore

/// The rows of one file (or one chunk of it) parsed, with the rows that could not be.
struct ParsedChunk: Sendable {
    var rows: ParsedRows
    var problems: [(problem: IngestRowProblem, record: Range<Int>)] = []
    /// Records read, good and bad.
    var records = 0
}

extension IngestPlan {
    /// Parses every record `reader` yields. Without `keepGoing`, stops at the first bad record.
    func parseAll<Reader: RecordReader>(
        _ reader: inout Reader, buffer: UnsafeBufferPointer<UInt8>, keepGoing: Bool, capacityHint: Int
    ) -> ParsedChunk {
        var parser = RowParser(plan: self, buffer: buffer)
        var chunk = ParsedChunk(rows: parser.makeRows(capacity: capacityHint))
        var fields: [FieldRef] = []
        while true {
            do {
                guard try reader.next(into: &fields) else { break }
            } catch {
                chunk.records += 1
                chunk.problems.append((IngestRowProblem(line: error.line, reason: error.message), reader.recordRange))
                if keepGoing { continue } else { break }
            }
            chunk.records += 1
            if let problem = parser.parse(fields, line: reader.line, into: &chunk.rows) {
                chunk.problems.append((problem, reader.recordRange))
                if !keepGoing { break }
            }
        }
        return chunk
    }

    /// Parses a CSV body, in two halves on two threads when the file is large and has no quotes
    /// (so that every newline ends a record).
    func parseCSV(_ reader: CSVReader, buffer: UnsafeBufferPointer<UInt8>, keepGoing: Bool) -> ParsedChunk {
        let start = reader.bodyStart
        let size = buffer.count - start
        let estimatedRows = max(size / 64, 16)
        let hasQuotes = buffer.baseAddress.map { memchr($0 + start, Int32(UInt8(ascii: "\"")), size) != nil } ?? false
        guard size > 8 << 20, !hasQuotes else {
            var whole = reader
            return parseAll(&whole, buffer: buffer, keepGoing: keepGoing, capacityHint: estimatedRows)
        }
        let halves = reader.bodyHalves
        let results = WorkerSlots<ParsedChunk>(count: 2)
        let columns = reader.columns
        let plan = self
        let base = UncheckedShared(buffer)
        DispatchQueue.concurrentPerform(iterations: 2) { part in
            let buffer = base.value
            var chunkReader = CSVReader(
                bytes: buffer, columns: columns, range: halves[part].range, firstLine: halves[part].firstLine)
            results.store(
                plan.parseAll(&chunkReader, buffer: buffer, keepGoing: keepGoing, capacityHint: estimatedRows / 2 + 16),
                at: part)
        }
        var merged = results.take(0)
        let second = results.take(1)
        if !keepGoing && !merged.problems.isEmpty { return merged }
        merged.rows.append(contentsOf: second.rows)
        merged.problems += second.problems
        merged.records += second.records
        return merged
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
