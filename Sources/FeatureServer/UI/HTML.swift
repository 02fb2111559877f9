/// HTML escaping for the markup fs builds itself (SVG), the same characters Mustache escapes.
enum HTML {
    static func escape(_ text: String) -> String {
        var out = ""
        append(text, to: &out)
        return out
    }

    /// Appends `text` to `out`, escaped; runs without markup characters are copied whole.
    static func append(_ text: String, to out: inout String) {
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for index in 0..<bytes.count {
                let replacement: String
                switch bytes[index] {
                case UInt8(ascii: "<"): replacement = "&lt;"
                case UInt8(ascii: ">"): replacement = "&gt;"
                case UInt8(ascii: "&"): replacement = "&amp;"
                case UInt8(ascii: "\""): replacement = "&quot;"
                case UInt8(ascii: "'"): replacement = "&#39;"
                default: continue
                }
                if start < index { out += String(decoding: bytes[start..<index], as: UTF8.self) }
                out += replacement
                start = index + 1
            }
            if start < bytes.count { out += String(decoding: bytes[start..<bytes.count], as: UTF8.self) }
        }
    }

    /// A path segment of a UI link: names are letters, digits and `_` in a valid repo, but a link
    /// must stay a link whatever the name holds.
    static func pathSegment(_ text: String) -> String {
        text.addingPercentEncodingForPath()
    }
}

extension String {
    /// Percent-encodes everything but unreserved characters (RFC 3986).
    fileprivate func addingPercentEncodingForPath() -> String {
        var out = ""
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                out.append(Character(Unicode.Scalar(byte)))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
