import FeatureStoreCore

/// A byte-level JSON Lines reader: one flat JSON object per line, values strings, numbers,
/// booleans or null (nested objects and arrays are malformed). Blank lines and a UTF-8 byte order
/// mark at the start of the file are skipped; an invalid escape, a number JSON does not allow
/// (`01`, `1.`, `+1`, `1x2`), a key given twice in one object and a line longer than
/// ``RecordLimits/maxLineBytes`` are malformed.
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
    private let lineLimit: Int
    private let keys = ObjectKeys()

    init(bytes: UnsafeBufferPointer<UInt8>, columns: [String]?, lineLimit: Int = RecordLimits.maxLineBytes)
        throws(RecordSyntaxError)
    {
        self.bytes = bytes
        self.columns = columns ?? []
        self.columnBytes = self.columns.map { Array($0.utf8) }
        self.lineLimit = lineLimit
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }
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
            if stop - start > lineLimit { throw RecordLimits.tooLong(line: line, limit: lineLimit) }
            var i = start
            skipSpace(&i, stop)
            if i == stop { continue }
            fields.removeAll(keepingCapacity: true)
            fields.append(contentsOf: repeatElement(FieldRef.missing, count: columns.count))
            keys.reset(columns: columns.count)
            try parseObject(from: i, to: stop, into: &fields)
            return true
        }
    }

    private func skipSpace(_ i: inout Int, _ stop: Int) {
        while i < stop, bytes[i] == 32 || bytes[i] == 9 { i += 1 }
    }

    private func parseObject(from begin: Int, to stop: Int, into fields: inout [FieldRef]) throws(RecordSyntaxError) {
        var i = begin
        // Takes the position rather than reading `i`, which scanString holds inout while it fails.
        func fail(_ message: String, at position: Int) -> RecordSyntaxError {
            RecordSyntaxError(line: line, message: message + " (at character \(position - recordRange.lowerBound + 1))")
        }
        guard bytes[i] == UInt8(ascii: "{") else {
            throw fail("a line must hold one JSON object, starting with '{'", at: i)
        }
        i += 1
        skipSpace(&i, stop)
        if i < stop, bytes[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                guard i < stop, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a quoted key", at: i) }
                let keyStart = i
                let key = try scanString(&i, stop, fail)
                skipSpace(&i, stop)
                guard i < stop, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':' after a key", at: i) }
                i += 1
                skipSpace(&i, stop)
                guard i < stop else { throw fail("expected a value", at: i) }
                let value: FieldRef
                switch bytes[i] {
                case UInt8(ascii: "\""):
                    value = try scanString(&i, stop, fail)
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    throw fail("nested objects and arrays are not supported; flatten the value", at: i)
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
                        || Self.isNumber(literal)
                    {
                        value = FieldRef(start: start, count: i - start, kind: .jsonLiteral)
                    } else {
                        throw fail(
                            "\(Quote.value(utf8: literal)) is not a JSON value; write numbers as JSON does (42, -0.5, 1e3: no leading zeros, no '+', digits on both sides of a '.') and put text in quotes",
                            at: start)
                    }
                }
                if !assign(key: key, value: value, into: &fields) {
                    let text = UnsafeBufferPointer(rebasing: bytes[(keyStart + 1)..<(keyStart + 1 + key.count)])
                    throw fail(
                        "the key \(Quote.value(utf8: text)) appears twice in the object; keep one (which value is meant cannot be guessed)",
                        at: keyStart)
                }
                skipSpace(&i, stop)
                guard i < stop else { throw fail("the object is not closed with '}'", at: i) }
                if bytes[i] == UInt8(ascii: ",") {
                    i += 1
                    skipSpace(&i, stop)
                    continue
                }
                guard bytes[i] == UInt8(ascii: "}") else { throw fail("expected ',' or '}'", at: i) }
                i += 1
                break
            }
        }
        skipSpace(&i, stop)
        if i != stop { throw fail("unexpected text after the object; put one object per line", at: i) }
    }

    /// Reads a JSON string at `i` (its opening quote), checking its escapes: `\"`, `\\`, `\/`,
    /// `\b`, `\f`, `\n`, `\r`, `\t` and `\uXXXX`, surrogates in pairs.
    private func scanString(
        _ i: inout Int, _ stop: Int, _ fail: (String, Int) -> RecordSyntaxError
    ) throws(RecordSyntaxError) -> FieldRef {
        i += 1
        let start = i
        var escaped = false
        while i < stop {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                let field = FieldRef(start: start, count: i - start, kind: escaped ? .jsonEscaped : .quoted)
                i += 1
                return field
            }
            if c == UInt8(ascii: "\\") {
                escaped = true
                try scanEscape(&i, stop, fail)
                continue
            }
            if c < 32 { throw fail("a control character inside a string; escape it", i) }
            i += 1
        }
        throw fail("a string is not closed with '\"'", i)
    }

    /// Steps over the escape at `i` (its backslash), or throws naming it.
    private func scanEscape(
        _ i: inout Int, _ stop: Int, _ fail: (String, Int) -> RecordSyntaxError
    ) throws(RecordSyntaxError) {
        let allowed = "JSON allows \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX"
        guard i + 1 < stop else { throw fail("a backslash ends the line; \(allowed)", i) }
        switch bytes[i + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            i += 2
        case UInt8(ascii: "u"):
            guard let unit = hex4(at: i + 2, stop) else {
                throw fail("\\u must be followed by 4 hexadecimal digits", i)
            }
            if (0xDC00..<0xE000).contains(unit) {
                throw fail(
                    "\\u\(hexText(unit)) is a lone low surrogate; a character past U+FFFF is a \\uD8xx\\uDCxx pair", i)
            }
            if (0xD800..<0xDC00).contains(unit) {
                guard i + 12 <= stop, bytes[i + 6] == UInt8(ascii: "\\"), bytes[i + 7] == UInt8(ascii: "u"),
                    let low = hex4(at: i + 8, stop), (0xDC00..<0xE000).contains(low)
                else {
                    throw fail(
                        "\\u\(hexText(unit)) is a lone high surrogate; a character past U+FFFF is a \\uD8xx\\uDCxx pair",
                        i)
                }
                i += 12
            } else {
                i += 6
            }
        default:
            let shown = UnsafeBufferPointer(rebasing: bytes[i..<min(i + 2, stop)])
            throw fail("invalid escape \(Quote.value(utf8: shown)) in a string; \(allowed)", i)
        }
    }

    /// Whether `text` is a JSON number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    static func isNumber(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = text.count
        var i = 0
        func digits() -> Int {
            let start = i
            while i < n, text[i] &- 48 < 10 { i += 1 }
            return i - start
        }
        if i < n, text[i] == UInt8(ascii: "-") { i += 1 }
        guard i < n else { return false }
        if text[i] == UInt8(ascii: "0") {
            i += 1
        } else if digits() == 0 {
            return false
        }
        if i < n, text[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { return false }
        }
        if i < n, text[i] == UInt8(ascii: "e") || text[i] == UInt8(ascii: "E") {
            i += 1
            if i < n, text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { return false }
        }
        return i == n
    }

    private func hex4(at start: Int, _ stop: Int) -> UInt32? {
        guard start + 4 <= stop else { return nil }
        var value: UInt32 = 0
        for k in start..<(start + 4) {
            let c = bytes[k]
            let digit: UInt32
            switch c {
            case 48...57: digit = UInt32(c - 48)
            case 65...70: digit = UInt32(c - 55)
            case 97...102: digit = UInt32(c - 87)
            default: return nil
            }
            value = value << 4 | digit
        }
        return value
    }

    private func hexText(_ unit: UInt32) -> String {
        let text = String(unit, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - text.count)) + text
    }

    /// Puts `value` in the field of column `key`; `false` when the object named the key before.
    private func assign(key: FieldRef, value: FieldRef, into fields: inout [FieldRef]) -> Bool {
        if let keyCollector {
            guard keys.insert(other: key, in: bytes) else { return false }
            keyCollector(key.string(in: bytes) ?? "")
            return true
        }
        let keyBytes = UnsafeBufferPointer(rebasing: bytes[key.start..<(key.start + key.count)])
        if key.kind == .quoted {
            for (index, name) in columnBytes.enumerated() where name.elementsEqual(keyBytes) {
                guard keys.insert(column: index) else { return false }
                fields[index] = value
                return true
            }
        } else if let text = key.string(in: bytes), let index = columns.firstIndex(of: text) {
            guard keys.insert(column: index) else { return false }
            fields[index] = value
            return true
        }
        return keys.insert(other: key, in: bytes)
    }
}
