import FeatureStoreCore

/// An order-preserving binary encoding of entity keys (tuples of int64 and string values).
///
/// Byte-wise comparison of two encodings orders them as the tuples compare element by element:
/// an int64 is a tag and its big-endian bits with the sign flipped; a string is a tag, its bytes
/// with 0x00 escaped as 0x00 0xFF, and a 0x00 0x00 terminator.
public enum EntityKeyEncoding {
    static let int64Tag: UInt8 = 0x10
    static let stringTag: UInt8 = 0x20

    /// Appends the encoding of `values` to `out`.
    ///
    /// - Throws: `invalidInput` for a null or a value that is not int64 or string.
    public static func encode(_ values: [FeatureValue], into out: inout [UInt8]) throws {
        for value in values {
            switch value {
            case .int64(let v):
                out.append(int64Tag)
                appendBigEndian(UInt64(bitPattern: v) ^ (1 << 63), to: &out)
            case .string(let s):
                out.append(stringTag)
                for byte in s.utf8 {
                    out.append(byte)
                    if byte == 0 { out.append(0xFF) }
                }
                out += [0, 0]
            default:
                throw FeatureStoreError.invalidInput("an entity key value must be an int64 or a string, not \(value)")
            }
        }
    }

    public static func encode(_ values: [FeatureValue]) throws -> [UInt8] {
        var out: [UInt8] = []
        try encode(values, into: &out)
        return out
    }

    /// Decodes a whole encoding back to its values; `nil` when the bytes are not one.
    public static func decode(_ bytes: some Collection<UInt8>) -> [FeatureValue]? {
        let bytes = Array(bytes)
        var values: [FeatureValue] = []
        var i = 0
        while i < bytes.count {
            switch bytes[i] {
            case int64Tag:
                guard i + 9 <= bytes.count else { return nil }
                var raw: UInt64 = 0
                for k in 1...8 { raw = raw << 8 | UInt64(bytes[i + k]) }
                values.append(.int64(Int64(bitPattern: raw ^ (1 << 63))))
                i += 9
            case stringTag:
                i += 1
                var text: [UInt8] = []
                while true {
                    guard i + 1 < bytes.count else { return nil }
                    if bytes[i] == 0 {
                        if bytes[i + 1] == 0 {
                            i += 2
                            break
                        }
                        guard bytes[i + 1] == 0xFF else { return nil }
                        text.append(0)
                        i += 2
                    } else {
                        text.append(bytes[i])
                        i += 1
                    }
                }
                values.append(.string(String(decoding: text, as: UTF8.self)))
            default:
                return nil
            }
        }
        return values
    }
}
