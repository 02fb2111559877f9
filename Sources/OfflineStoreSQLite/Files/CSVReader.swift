/// A byte-level RFC 4180 CSV reader: a header line, then records of comma-separated fields,
/// optionally double-quoted (`""` for a quote inside), lines ending in `\n` or `\r\n`.
///
/// Blank lines are skipped. A record with another number of fields than the header is malformed,
/// and so is one longer than ``RecordLimits/maxLineBytes``.
struct CSVReader: RecordReader {
    let bytes: UnsafeBufferPointer<UInt8>
    private(set) var columns: [String] = []
    private(set) var line = 0
    private(set) var recordRange = 0..<0
    private var position = 0
    private var nextLine = 1
    /// Where reading stops: the end of the file, or of the chunk this reader was given.
    private var end: Int
    /// The most bytes one record may span.
    private let lineLimit: Int

    /// Reads the header.
    ///
    /// - Throws: ``RecordSyntaxError`` when the file is empty or the header is malformed.
    init(bytes: UnsafeBufferPointer<UInt8>, lineLimit: Int = RecordLimits.maxLineBytes) throws(RecordSyntaxError) {
        self.bytes = bytes
        self.end = bytes.count
        self.lineLimit = lineLimit
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }
        var fields: [FieldRef] = []
        guard try readRecord(into: &fields) else {
            throw RecordSyntaxError(line: 1, message: "the file is empty; a CSV file starts with a header line")
        }
        var scratch: [UInt8] = []
        columns = fields.map { field in
            field.withText(in: bytes, scratch: &scratch) { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// A reader of the records in `range` of a file whose header `columns` was read elsewhere;
    /// `range` starts at a line start, `firstLine` is its line number.
    init(
        bytes: UnsafeBufferPointer<UInt8>, columns: [String], range: Range<Int>, firstLine: Int,
        lineLimit: Int = RecordLimits.maxLineBytes
    ) {
        self.bytes = bytes
        self.columns = columns
        self.position = range.lowerBound
        self.end = range.upperBound
        self.nextLine = firstLine
        self.lineLimit = lineLimit
    }

    /// Where the records start (after the header).
    var bodyStart: Int { position }

    /// The body in two parts, cut at the line break after its middle, each with the line it starts
    /// on: how ingest reads a large file on two threads when no quote can hide a line break.
    var bodyHalves: [(range: Range<Int>, firstLine: Int)] {
        let start = bodyStart
        let middle = min(bytes.indexOfNewline(from: start + (end - start) / 2) + 1, end)
        var newlines = 0
        var index = start
        while true {
            index = bytes.indexOfNewline(from: index)
            if index >= middle { break }
            newlines += 1
            index += 1
        }
        // The line after the header's last one: a quoted field may break the header across lines.
        return [(start..<middle, nextLine), (middle..<end, nextLine + newlines)]
    }

    mutating func next(into fields: inout [FieldRef]) throws(RecordSyntaxError) -> Bool {
        guard try readRecord(into: &fields) else { return false }
        if fields.count != columns.count {
            throw RecordSyntaxError(
                line: line,
                message:
                    "the line has \(fields.count) field\(fields.count == 1 ? "" : "s") but the header has \(columns.count)"
            )
        }
        return true
    }

    private mutating func readRecord(into fields: inout [FieldRef]) throws(RecordSyntaxError) -> Bool {
        fields.removeAll(keepingCapacity: true)
        // Skip blank lines.
        while position < end,
            bytes[position] == 10 || (bytes[position] == 13 && position + 1 < end && bytes[position + 1] == 10)
        {
            position += bytes[position] == 13 ? 2 : 1
            nextLine += 1
        }
        guard position < end else { return false }
        line = nextLine
        let recordStart = position
        // Scanning stops at the limit (plus room for a line break): a record that reaches it is
        // too long, whatever follows.
        let n = recordStart + lineLimit + 2 < end ? recordStart + lineLimit + 2 : end
        let truncated = n < end
        var i = position
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), newline: UInt8 = 10, cr: UInt8 = 13
        func fail(_ message: String) -> RecordSyntaxError {
            // Resynchronise on the line after the one the record starts on.
            let lineEnd = min(bytes.indexOfNewline(from: recordStart), end)
            position = min(lineEnd + 1, end)
            nextLine = line + 1
            recordRange = recordStart..<lineEnd
            return RecordSyntaxError(line: line, message: message)
        }
        func tooLong() -> RecordSyntaxError {
            let error = fail("")
            return RecordLimits.tooLong(line: error.line, limit: lineLimit)
        }
        while true {
            if i < n, bytes[i] == quote {
                i += 1
                let start = i
                var escaped = false
                var closed = false
                while i < n {
                    let c = bytes[i]
                    if c == quote {
                        if i + 1 < n, bytes[i + 1] == quote {
                            escaped = true
                            i += 2
                            continue
                        }
                        closed = true
                        break
                    }
                    if c == newline { nextLine += 1 }
                    i += 1
                }
                guard closed else {
                    if truncated { throw tooLong() }
                    throw fail(
                        "a quoted field is not closed (a '\"' is missing); quote the whole field and double any quote inside it"
                    )
                }
                fields.append(FieldRef(start: start, count: i - start, kind: escaped ? .csvEscaped : .quoted))
                i += 1
                if i < n, bytes[i] != comma, bytes[i] != newline, bytes[i] != cr {
                    throw fail(
                        "unexpected text after the closing quote of field \(fields.count); quote the whole field")
                }
            } else {
                let start = i
                while i < n {
                    let c = bytes[i]
                    if c == comma || c == newline || c == cr { break }
                    if c == quote {
                        throw fail(
                            "a quote inside unquoted field \(fields.count + 1); quote the whole field and double the quote (\"\")"
                        )
                    }
                    i += 1
                }
                fields.append(FieldRef(start: start, count: i - start, kind: .plain))
            }
            if i < n, bytes[i] == comma {
                i += 1
                continue
            }
            if i - recordStart > lineLimit || (i == n && truncated) { throw tooLong() }
            recordRange = recordStart..<i
            if i < n, bytes[i] == cr { i += 1 }
            if i < n, bytes[i] == newline {
                i += 1
                nextLine += 1
            } else if i < n {
                throw fail("a carriage return inside a field; quote the field")
            }
            position = i
            return true
        }
    }
}
