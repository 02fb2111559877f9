/// JSON string literals: the one JSON string escaper of the code base. Lookup answers, error
/// bodies, push answers, training sets and the JSON paths quoted in messages all write strings
/// through it.
///
/// It escapes what JSON requires and nothing more: `"` and `\` with a backslash, line feed,
/// carriage return and tab as `\n`, `\r`, `\t`, the other control characters (below U+0020) as
/// `\u00XX` (lowercase hex); every other byte, multi-byte UTF-8 included, is copied as is. Runs of
/// plain bytes are copied at once, and nothing is allocated beyond the growth of the output.
public enum JSONString {
    /// Appends `text` as a JSON string literal, quotes included.
    public static func append(_ text: String, to out: inout [UInt8]) {
        if text.utf8.withContiguousStorageIfAvailable({ append(utf8: $0, to: &out) }) != nil { return }
        var copy = text
        copy.withUTF8 { append(utf8: $0, to: &out) }
    }

    /// Appends the UTF-8 text `text` as a JSON string literal, quotes included.
    public static func append(utf8 text: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(quote)
        var plainFrom = 0
        for index in 0..<text.count {
            let byte = text[index]
            guard byte < 0x20 || byte == quote || byte == backslash else { continue }
            if plainFrom < index { out.append(contentsOf: UnsafeBufferPointer(rebasing: text[plainFrom..<index])) }
            out.append(backslash)
            switch byte {
            case quote, backslash: out.append(byte)
            case 0x0A: out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "t"))
            default:
                out.append(UInt8(ascii: "u"))
                out.append(UInt8(ascii: "0"))
                out.append(UInt8(ascii: "0"))
                out.append(hexDigit(byte >> 4))
                out.append(hexDigit(byte & 0x0F))
            }
            plainFrom = index + 1
        }
        if plainFrom < text.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: text[plainFrom...])) }
        out.append(quote)
    }

    /// `text` as a JSON string literal, quotes included (for messages that show a JSON name).
    public static func literal(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 2)
        append(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")

    @inline(__always)
    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }
}
