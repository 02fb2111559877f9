import FeatureStoreCore

/// A cursor over one JSON document in memory: the grammar of the server's request bodies, read in
/// place (the document is never copied).
///
/// ``JSONParser`` builds ``JSONValue`` trees with it; the lookup route decodes its body with it
/// straight into typed entity keys (``OnlineFeaturesRequest``). Strict everywhere: a member name
/// repeated in one object is refused (parsers disagree on which one wins), a number beyond the
/// range of a 64-bit float (`1e999`, infinity once parsed) is refused, and so is nesting deeper
/// than ``maximumDepth``. Errors are `invalidInput` and give the byte offset, the JSON path
/// (`df.conv_rate[3]`) and what was expected there.
struct JSONReader {
    /// What a value is, from its first byte.
    enum Kind {
        case object, array, string, number, bool, null
    }

    /// The deepest nesting accepted; deeper documents are rejected rather than risking the stack.
    static let maximumDepth = 64

    let bytes: UnsafeBufferPointer<UInt8>
    /// The offset of the next byte to read.
    private(set) var index: Int
    private var depth = 0
    /// Where the reader is, for messages: member names and array indexes from the root.
    private var path: JSONPath

    /// A reader at `index` of `bytes`, `path` being where that is in the document.
    init(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int = 0, path: JSONPath = JSONPath()) {
        self.bytes = bytes
        self.index = index
        self.path = path
    }

    /// Reads the one document in `bytes` with `body`, which must read one value; whitespace may
    /// surround it, nothing else.
    static func document<T>(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (inout JSONReader) throws -> T) throws -> T {
        var reader = JSONReader(bytes)
        reader.skipWhitespace()
        let value = try body(&reader)
        reader.skipWhitespace()
        guard reader.index == bytes.count else { throw reader.failure("unexpected text after the JSON value") }
        return value
    }

    /// Where the reader is (`entities.driver_id[2]`), for messages.
    var pathDescription: String { path.description }

    func failure(_ what: String) -> FeatureStoreError {
        .invalidInput(
            "the request body is not valid JSON: \(what) at byte \(index)\(path.isEmpty ? "" : " (in \(path))"); send one JSON object"
        )
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    /// The kind of the value at the cursor (whitespace skipped), without reading it.
    ///
    /// - Throws: `invalidInput` at the end of the input or a byte that starts no value.
    mutating func peek() throws -> Kind {
        skipWhitespace()
        guard index < bytes.count else { throw failure("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: throw failure("unexpected character '\(Character(Unicode.Scalar(bytes[index])))'")
        }
    }

    // MARK: Containers

    /// Reads an object: `member` gets each name in document order, with the cursor on its value,
    /// and must read or skip that one value.
    ///
    /// - Parameter checkingRepeats: refuse a name given twice (off only for a document
    ///   ``skipValue()`` has already checked).
    mutating func readObject(
        checkingRepeats: Bool = true, _ member: (inout JSONReader, String) throws -> Void
    ) throws {
        guard try peek() == .object else { throw failure("expected an object") }
        try enter()
        defer { depth -= 1 }
        let start = index
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return
        }
        var names = MemberNames()
        path.enter(.key(""))
        defer { path.leave() }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw failure("expected a member name in quotes")
            }
            let keyOffset = index
            let key = try readString()
            path.replaceLast(with: .key(key))
            if checkingRepeats {
                let isNew = try names.insert(key) {
                    try Self.objectHasName(key, bytes: bytes, objectAt: start, before: keyOffset)
                }
                if !isNew { throw repeated(key, at: keyOffset) }
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw failure("expected ':' after member name \"\(key)\"")
            }
            index += 1
            skipWhitespace()
            try member(&self, key)
            skipWhitespace()
            guard index < bytes.count else { throw failure("unexpected end of input inside an object") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "}") else { throw failure("expected ',' or '}' in an object") }
            index += 1
            return
        }
    }

    /// Reads an array: `element` gets each index, with the cursor on the element, and must read or
    /// skip that one value.
    mutating func readArray(_ element: (inout JSONReader, Int) throws -> Void) throws {
        guard try peek() == .array else { throw failure("expected an array") }
        try enter()
        defer { depth -= 1 }
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return
        }
        path.enter(.index(0))
        defer { path.leave() }
        var count = 0
        while true {
            skipWhitespace()
            path.replaceLast(with: .index(count))
            try element(&self, count)
            count += 1
            skipWhitespace()
            guard index < bytes.count else { throw failure("unexpected end of input inside an array") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "]") else { throw failure("expected ',' or ']' in an array") }
            index += 1
            return
        }
    }

    private mutating func enter() throws {
        depth += 1
        if depth > Self.maximumDepth { throw failure("nesting deeper than \(Self.maximumDepth) levels") }
    }

    /// A member name repeated in one object: refused, since parsers disagree on which one wins
    /// (Python's `json` keeps the last, others the first).
    private func repeated(_ key: String, at offset: Int) -> FeatureStoreError {
        .invalidInput(
            "the request body repeats the member \"\(key)\" in one object (at byte \(offset), \(path)); give each member once"
        )
    }

    /// Whether the object at `start` has a member named `name` before offset `end` (an exact
    /// check after a hash of the name matched one seen before; that part was read already).
    private static func objectHasName(
        _ name: String, bytes: UnsafeBufferPointer<UInt8>, objectAt start: Int, before end: Int
    ) throws -> Bool {
        var reader = JSONReader(bytes, at: start + 1)
        while true {
            reader.skipWhitespace()
            guard reader.index < end else { return false }
            if try reader.readString() == name { return true }
            reader.skipWhitespace()
            reader.index += 1  // ':'
            try reader.skipValue()
            reader.skipWhitespace()
            reader.index += 1  // ','
        }
    }

    // MARK: Scalars and whole values

    /// Reads a string (escapes decoded).
    mutating func readString() throws -> String {
        guard try peek() == .string else { throw failure("expected a string") }
        return try scanString(keeping: true)!
    }

    /// Reads a number: an integer that fits in 64 bits as `.int`, any other integer as written
    /// (`.largeInteger`), anything else as a finite `.double`.
    ///
    /// - Throws: `invalidInput` for a malformed number or one beyond the float range (`1e999`).
    mutating func readNumber() throws -> JSONValue {
        guard try peek() == .number else { throw failure("expected a number") }
        let start = index
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        let digitsStart = index
        var magnitude: UInt64 = 0
        var overflow = false
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
            let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(bytes[index] &- UInt8(ascii: "0")))
            magnitude = sum
            overflow = overflow || o1 || o2
            index += 1
        }
        guard index > digitsStart else { throw failure("expected digits in a number") }
        if index - digitsStart > 1, bytes[digitsStart] == UInt8(ascii: "0") {
            throw failure("leading zero in a number")
        }
        var isInteger = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            let fraction = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            guard index > fraction else { throw failure("expected digits after '.' in a number") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            let exponent = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            guard index > exponent else { throw failure("expected digits in an exponent") }
        }
        if isInteger, !overflow {
            if !negative, magnitude <= UInt64(Int64.max) { return .int(Int64(magnitude)) }
            if negative, magnitude <= Int64.min.magnitude { return .int(Int64(truncatingIfNeeded: 0 &- magnitude)) }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if isInteger { return .largeInteger(text) }
        guard let value = Double(text) else { throw failure("invalid number '\(text)'") }
        guard value.isFinite else {
            throw FeatureStoreError.invalidInput(
                "\(path.isEmpty ? "the request body" : path.description) is \(text.count > 40 ? String(text.prefix(40)) + "..." : text), beyond the range of a 64-bit float (about ±1.8e308); send a finite number"
            )
        }
        return .double(value)
    }

    /// Checks and passes over one value of any kind, keeping nothing.
    mutating func skipValue() throws {
        switch try peek() {
        case .object: try readObject { reader, _ in try reader.skipValue() }
        case .array: try readArray { reader, _ in try reader.skipValue() }
        case .string: _ = try scanString(keeping: false)
        case .number: _ = try readNumber()
        case .bool, .null: _ = try readLiteral()
        }
    }

    /// Reads one value as a tree.
    mutating func readValue() throws -> JSONValue {
        switch try peek() {
        case .object:
            var members: [(key: String, value: JSONValue)] = []
            try readObject { reader, key in members.append((key, try reader.readValue())) }
            return .object(members)
        case .array:
            var elements: [JSONValue] = []
            try readArray { reader, _ in elements.append(try reader.readValue()) }
            return .array(elements)
        case .string: return .string(try readString())
        case .number: return try readNumber()
        case .bool, .null: return try readLiteral()
        }
    }

    /// Reads one value for a message about it: scalars as they are, an array or object checked
    /// and passed over, given back empty (what it holds is not needed to say what it is).
    mutating func readShallowValue() throws -> JSONValue {
        switch try peek() {
        case .object:
            try skipValue()
            return .object([])
        case .array:
            try skipValue()
            return .array([])
        default:
            return try readValue()
        }
    }

    /// `true`, `false` or `null`.
    private mutating func readLiteral() throws -> JSONValue {
        switch bytes[index] {
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        default: return try literal("null", .null)
        }
    }

    private mutating func literal(_ word: StaticString, _ value: JSONValue) throws -> JSONValue {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw failure("unexpected end of input") }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw failure("expected '\(word)'")
        }
        index += count
        return value
    }

    /// Reads the string at the cursor (its opening quote); with `keeping` false it is only
    /// checked, and `nil` is returned.
    private mutating func scanString(keeping: Bool) throws -> String? {
        index += 1
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text =
                    keeping ? String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self) : nil
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw failure("control character in a string") }
            index += byte < 0x80 ? 1 : try utf8Length()
        }
        var out: [UInt8] = keeping ? Array(bytes[start..<index]) : []
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return keeping ? String(decoding: out, as: UTF8.self) : nil
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw failure("unexpected end of input in an escape") }
                let escape = bytes[index]
                index += 1
                let decoded: UInt8
                switch escape {
                case UInt8(ascii: "\""): decoded = 0x22
                case UInt8(ascii: "\\"): decoded = 0x5C
                case UInt8(ascii: "/"): decoded = 0x2F
                case UInt8(ascii: "b"): decoded = 0x08
                case UInt8(ascii: "f"): decoded = 0x0C
                case UInt8(ascii: "n"): decoded = 0x0A
                case UInt8(ascii: "r"): decoded = 0x0D
                case UInt8(ascii: "t"): decoded = 0x09
                case UInt8(ascii: "u"):
                    let scalar = try unicodeEscape()
                    if keeping { UTF8.encode(scalar) { out.append($0) } }
                    continue
                default: throw failure("invalid escape '\\\(Character(Unicode.Scalar(escape)))'")
                }
                if keeping { out.append(decoded) }
            default:
                if byte < 0x20 { throw failure("control character in a string") }
                let length = byte < 0x80 ? 1 : try utf8Length()
                if keeping { out += bytes[index..<(index + length)] }
                index += length
            }
        }
        throw failure("unterminated string")
    }

    /// The length of the UTF-8 character at the cursor. Bytes that are not UTF-8 are refused (RFC
    /// 8259 §8.1): decoding them would make U+FFFD of them, so that two different keys named one
    /// entity and a text was stored altered.
    private func utf8Length() throws -> Int {
        let length = validSequenceLength(bytes, at: index)
        guard length > 0 else {
            let hex = String(bytes[index], radix: 16, uppercase: true)
            throw FeatureStoreError.invalidInput(
                "the request body is not UTF-8: byte 0x\(hex.count < 2 ? "0" : "")\(hex) at byte \(index)\(path.isEmpty ? "" : " (in \(path))") starts no UTF-8 character; send JSON text in UTF-8"
            )
        }
        return length
    }

    /// The character of a `\uXXXX` escape (its `u` read), a surrogate pair taken together.
    private mutating func unicodeEscape() throws -> Unicode.Scalar {
        var scalar = try hex4()
        if (0xD800..<0xDC00).contains(scalar) {
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
            else {
                throw failure("unpaired surrogate in a \\u escape")
            }
            index += 2
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw failure("unpaired surrogate in a \\u escape") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let unicode = Unicode.Scalar(scalar) else { throw failure("invalid \\u escape") }
        return unicode
    }

    private mutating func hex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw failure("unexpected end of input in a \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw failure("invalid hex digit in a \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}

/// The member names of one object seen so far, for the repeat check: a short list while the
/// object is small, then 64-bit hashes only (a few bytes per member however long the names), a
/// matching hash being confirmed by an exact look at the names read before.
private struct MemberNames {
    private var few: [String] = []
    private var hashes: Set<Int> = []

    /// Whether `name` was not seen before; `seenBefore` answers exactly when its hash matches.
    mutating func insert(_ name: String, seenBefore: () throws -> Bool) rethrows -> Bool {
        if hashes.isEmpty {
            if few.contains(name) { return false }
            if few.count < 8 {
                few.append(name)
                return true
            }
            hashes = Set(few.map(\.hashValue))
            few = []
        }
        if hashes.insert(name.hashValue).inserted { return true }
        return try !seenBefore()
    }
}
