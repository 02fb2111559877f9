/// A byte-level JSON Lines reader: one flat JSON object per line, values strings, numbers,
/// booleans or null (nested objects and arrays are malformed). Blank lines are skipped.
///
/// The columns are given, or else the keys of the first object, in order.
struct JSONLReader: RecordReader {
    let bytes: UnsafeBufferPointer<UInt8>
    private(set) var columns: [String]
    private var columnBytes: [[UInt8]]
    private(set) var line = 0
    private(set) var recordRange = 0..<0
    private var position = 0
    private var nextLine = 1

    init(bytes: UnsafeBufferPointer<UInt8>, columns: [String]?) throws(RecordSyntaxError) {
        self.bytes = bytes
        self.columns = columns ?? []
        self.columnBytes = self.columns.map { Array($0.utf8) }
        if columns == nil {
            // Learn the columns from the first object's keys, then read it again as a record.
            var keys: [String] = []
            var probe = self
            var unused: [FieldRef] = []
            probe.keyCollector = { keys.append($0) }
            _ = try probe.next(into: &unused)
            self.columns = keys
            self.columnBytes = keys.map { Array($0.utf8) }
        }
    }

    /// Called with each key of a record while learning the columns.
    private var keyCollector: ((String) -> Void)?

    mutating func next(into fields: inout [FieldRef]) throws(RecordSyntaxError) -> Bool {
        let n = bytes.count
        while true {
            guard position < n else { return false }
            let end = bytes.indexOfNewline(from: position)
            let start = position
            line = nextLine
            nextLine += 1
            position = min(end + 1, n)
            var stop = end
            if stop > start, bytes[stop - 1] == 13 { stop -= 1 }
            recordRange = start..<stop
            var i = start
            skipSpace(&i, stop)
            if i == stop { continue }
            fields.removeAll(keepingCapacity: true)
            fields.append(contentsOf: repeatElement(FieldRef.missing, count: columns.count))
            try parseObject(from: i, to: stop, into: &fields)
            return true
        }
    }

    private func skipSpace(_ i: inout Int, _ stop: Int) {
        while i < stop, bytes[i] == 32 || bytes[i] == 9 { i += 1 }
    }

    private func parseObject(from begin: Int, to stop: Int, into fields: inout [FieldRef]) throws(RecordSyntaxError) {
        var i = begin
        func fail(_ message: String) -> RecordSyntaxError {
            RecordSyntaxError(line: line, message: message + " (at character \(i - recordRange.lowerBound + 1))")
        }
        guard bytes[i] == UInt8(ascii: "{") else { throw fail("a line must hold one JSON object, starting with '{'") }
        i += 1
        skipSpace(&i, stop)
        if i < stop, bytes[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                guard i < stop, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a quoted key") }
                let key = try scanString(&i, stop, fail)
                skipSpace(&i, stop)
                guard i < stop, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':' after a key") }
                i += 1
                skipSpace(&i, stop)
                guard i < stop else { throw fail("expected a value") }
                let value: FieldRef
                switch bytes[i] {
                case UInt8(ascii: "\""):
                    value = try scanString(&i, stop, fail)
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    throw fail("nested objects and arrays are not supported; flatten the value")
                default:
                    let start = i
                    while i < stop, bytes[i] != UInt8(ascii: ","), bytes[i] != UInt8(ascii: "}"), bytes[i] != 32,
                        bytes[i] != 9
                    {
                        i += 1
                    }
                    let literal = UnsafeBufferPointer(rebasing: bytes[start..<i])
                    if literal.elementsEqual("null".utf8) {
                        value = .missing
                    } else if literal.elementsEqual("true".utf8) || literal.elementsEqual("false".utf8)
                        || (literal.first.map { $0 == UInt8(ascii: "-") || ($0 >= 48 && $0 <= 57) } ?? false)
                    {
                        value = FieldRef(start: start, count: i - start, kind: .jsonLiteral)
                    } else {
                        throw fail("'\(String(decoding: literal, as: UTF8.self))' is not a JSON value")
                    }
                }
                assign(key: key, value: value, into: &fields)
                skipSpace(&i, stop)
                guard i < stop else { throw fail("the object is not closed with '}'") }
                if bytes[i] == UInt8(ascii: ",") {
                    i += 1
                    skipSpace(&i, stop)
                    continue
                }
                guard bytes[i] == UInt8(ascii: "}") else { throw fail("expected ',' or '}'") }
                i += 1
                break
            }
        }
        skipSpace(&i, stop)
        if i != stop { throw fail("unexpected text after the object; put one object per line") }
    }

    private func scanString(
        _ i: inout Int, _ stop: Int, _ fail: (String) -> RecordSyntaxError
    ) throws(RecordSyntaxError) -> FieldRef {
        i += 1
        let start = i
        var escaped = false
        while i < stop {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                let field = FieldRef(start: start, count: i - start, kind: escaped ? .jsonEscaped : .plain)
                i += 1
                return field
            }
            if c == UInt8(ascii: "\\") {
                escaped = true
                i += 2
                continue
            }
            if c < 32 { throw fail("a control character inside a string; escape it") }
            i += 1
        }
        throw fail("a string is not closed with '\"'")
    }

    private func assign(key: FieldRef, value: FieldRef, into fields: inout [FieldRef]) {
        if let keyCollector {
            keyCollector(key.string(in: bytes) ?? "")
            return
        }
        let keyBytes = UnsafeBufferPointer(rebasing: bytes[key.start..<(key.start + key.count)])
        if key.kind == .plain {
            for (index, name) in columnBytes.enumerated() where name.elementsEqual(keyBytes) {
                fields[index] = value
                return
            }
        } else if let text = key.string(in: bytes), let index = columns.firstIndex(of: text) {
            fields[index] = value
        }
    }
}
