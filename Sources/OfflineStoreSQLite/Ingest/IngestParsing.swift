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
        let middle = min(buffer.indexOfNewline(from: start + size / 2) + 1, buffer.count)
        var newlines = 0
        var index = start
        while true {
            index = buffer.indexOfNewline(from: index)
            if index >= middle { break }
            newlines += 1
            index += 1
        }
        let firstLine = reader.line + 1
        let ranges = [(start..<middle, firstLine), (middle..<buffer.count, firstLine + newlines)]
        let results = ChunkSlots(count: 2)
        let columns = reader.columns
        let plan = self
        let base = UnsafeBufferPointerBox(buffer)
        DispatchQueue.concurrentPerform(iterations: 2) { part in
            let buffer = base.buffer
            var chunkReader = CSVReader(
                bytes: buffer, columns: columns, range: ranges[part].0, firstLine: ranges[part].1)
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

/// Result slots written by concurrent workers, each slot by exactly one worker.
private final class ChunkSlots: @unchecked Sendable {
    private var slots: [ParsedChunk?]
    private let lock = NSLockLike()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func store(_ chunk: ParsedChunk, at index: Int) { lock.withLock { slots[index] = chunk } }

    func take(_ index: Int) -> ParsedChunk { lock.withLock { slots[index]! } }
}

/// A read-only buffer handed to worker threads; the caller keeps it alive until they finish.
private struct UnsafeBufferPointerBox: @unchecked Sendable {
    let buffer: UnsafeBufferPointer<UInt8>
    init(_ buffer: UnsafeBufferPointer<UInt8>) { self.buffer = buffer }
}

/// A pthread mutex (Foundation-free).
private final class NSLockLike: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func withLock<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body()
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
