/// One field of a record: a byte range in the file's buffer and how to read it.
///
/// Readers never copy fields: a consumer decodes the range only when it needs the text.
struct FieldRef: Sendable {
    enum Kind: UInt8, Sendable {
        /// An unquoted CSV field: the bytes are the text as is (empty is null).
        case plain
        /// A quoted CSV field without doubled quotes, or a JSON string without escapes: the bytes
        /// are the text between the quotes (empty is the empty string).
        case quoted
        /// A quoted CSV field whose content holds doubled quotes (`""`).
        case csvEscaped
        /// A JSON string with backslash escapes.
        case jsonEscaped
        /// A JSON number, `true` or `false`: the bytes are the literal.
        case jsonLiteral
        /// JSON `null` or a key the object lacks.
        case null
    }

    var start: Int
    var count: Int
    var kind: Kind

    static let missing = FieldRef(start: 0, count: 0, kind: .null)

    /// Whether the field holds no value: null, or an empty CSV field (quoted or not).
    var isEmpty: Bool { kind == .null || count == 0 }

    /// Whether the field is null: JSON `null`, a missing key, or an unquoted empty CSV field. A
    /// quoted empty field (`""`) is not: it is the empty string (for string and bytes columns).
    var isNull: Bool { kind == .null || (kind == .plain && count == 0) }
}

extension FieldRef {
    /// Calls `body` with the field's text as UTF-8, unescaping into `scratch` when needed.
    @inline(__always)
    func withText<T>(
        in bytes: UnsafeBufferPointer<UInt8>, scratch: inout [UInt8], _ body: (UnsafeBufferPointer<UInt8>) throws -> T
    ) rethrows -> T {
        let raw = UnsafeBufferPointer(rebasing: bytes[start..<(start + count)])
        switch kind {
        case .plain, .quoted, .jsonLiteral, .null:
            return try body(raw)
        case .csvEscaped:
            scratch.removeAll(keepingCapacity: true)
            var index = 0
            while index < raw.count {
                scratch.append(raw[index])
                index += raw[index] == UInt8(ascii: "\"") ? 2 : 1
            }
            return try scratch.withUnsafeBufferPointer(body)
        case .jsonEscaped:
            unescapeJSON(raw, into: &scratch)
            return try scratch.withUnsafeBufferPointer(body)
        }
    }

    /// The field's text as a `String` (nil for null).
    func string(in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        if kind == .null { return nil }
        var scratch: [UInt8] = []
        return withText(in: bytes, scratch: &scratch) { String(decoding: $0, as: UTF8.self) }
    }
}

/// Decodes the content of a JSON string (without its quotes); the reader has validated its escapes
/// (surrogates come in pairs).
func unescapeJSON(_ raw: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
    out.removeAll(keepingCapacity: true)
    var index = 0
    func hex(_ at: Int) -> UInt32 {
        var value: UInt32 = 0
        for k in at..<min(at + 4, raw.count) {
            let c = raw[k]
            let digit: UInt32 =
                c >= 97 ? UInt32(c) - 87 : c >= 65 ? UInt32(c) - 55 : UInt32(c) &- 48
            value = value << 4 | (digit & 0xF)
        }
        return value
    }
    func append(scalar: UInt32) {
        let scalar = Unicode.Scalar(scalar) ?? "\u{FFFD}"
        out.append(contentsOf: String(Character(scalar)).utf8)
    }
    while index < raw.count {
        let c = raw[index]
        guard c == UInt8(ascii: "\\"), index + 1 < raw.count else {
            out.append(c)
            index += 1
            continue
        }
        let e = raw[index + 1]
        index += 2
        switch e {
        case UInt8(ascii: "n"): out.append(10)
        case UInt8(ascii: "t"): out.append(9)
        case UInt8(ascii: "r"): out.append(13)
        case UInt8(ascii: "b"): out.append(8)
        case UInt8(ascii: "f"): out.append(12)
        case UInt8(ascii: "u"):
            var scalar = hex(index)
            index += 4
            if scalar >= 0xD800, scalar < 0xDC00, index + 6 <= raw.count, raw[index] == UInt8(ascii: "\\"),
                raw[index + 1] == UInt8(ascii: "u")
            {
                let low = hex(index + 2)
                if low >= 0xDC00, low < 0xE000 {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    index += 6
                }
            }
            append(scalar: scalar)
        default: out.append(e)  // \" \\ \/
        }
    }
}
