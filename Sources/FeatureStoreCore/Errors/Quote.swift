/// Values quoted in error messages: in single quotes, control characters and invalid UTF-8
/// escaped, and cut after ``limit`` bytes so that no input, however long, makes a long message.
public enum Quote {
    /// The most bytes of a value a message shows.
    public static let limit = 200

    /// `'text'`, or `'the first 200 bytes…' (123456 bytes)` for a longer value.
    public static func value(_ text: some StringProtocol) -> String {
        var copy = String(text)
        return copy.withUTF8 { value(utf8: $0) }
    }

    /// The same for UTF-8 bytes; a byte that is not valid UTF-8 shows as `\xFF`.
    public static func value(utf8 bytes: UnsafeBufferPointer<UInt8>) -> String {
        var out = "'"
        var shown = 0
        var index = 0
        while index < bytes.count, shown < limit {
            let length = validSequenceLength(bytes, at: index)
            if length == 0 {
                out += "\\x" + hex(bytes[index])
                index += 1
                shown += 1
                continue
            }
            let byte = bytes[index]
            if length == 1, byte < 0x20 || byte == 0x7F {
                switch byte {
                case 10: out += "\\n"
                case 13: out += "\\r"
                case 9: out += "\\t"
                default: out += "\\x" + hex(byte)
                }
            } else {
                out += String(decoding: UnsafeBufferPointer(rebasing: bytes[index..<(index + length)]), as: UTF8.self)
            }
            index += length
            shown += length
        }
        out += "'"
        if index < bytes.count { out = String(out.dropLast()) + "…' (\(bytes.count) bytes)" }
        return out
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 15)]], as: UTF8.self)
    }
}
