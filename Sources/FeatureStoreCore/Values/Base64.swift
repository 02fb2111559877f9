private let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
private let reverse: [UInt8] = {
    var table = [UInt8](repeating: 0xFF, count: 256)
    for (index, char) in alphabet.enumerated() { table[Int(char)] = UInt8(index) }
    return table
}()

/// Standard base64 with padding, as used for `bytes` values in CSV and JSON.
public func encodeBase64(_ bytes: [UInt8]) -> String {
    var out = [UInt8]()
    out.reserveCapacity((bytes.count + 2) / 3 * 4)
    var index = 0
    while index + 2 < bytes.count {
        let n = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
        out += [
            alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)],
        ]
        index += 3
    }
    let rest = bytes.count - index
    if rest == 1 {
        let n = UInt32(bytes[index]) << 16
        out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], UInt8(ascii: "="), UInt8(ascii: "=")]
    } else if rest == 2 {
        let n = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
        out += [
            alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], UInt8(ascii: "="),
        ]
    }
    return String(decoding: out, as: UTF8.self)
}

/// Decodes standard base64, strictly: the alphabet `A-Z a-z 0-9 + /`, padded with `=` to a
/// multiple of 4 characters or not padded at all, nothing after the padding, and no bits set past
/// the data in the last character (so every byte string has exactly one accepted text besides its
/// unpadded form). `nil` for anything else (`"A"`, `"QQ=x"`, `"QR=="`, spaces, `-_`).
public func decodeBase64<S: StringProtocol>(_ text: S) -> [UInt8]? {
    var copy = String(text)
    return copy.withUTF8 { decodeBase64(utf8: $0) }
}

/// ``decodeBase64(_:)`` of UTF-8 bytes.
public func decodeBase64(utf8 bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
    var count = bytes.count
    let pad = UInt8(ascii: "=")
    var padding = 0
    while padding < 2, count > 0, bytes[count - 1] == pad {
        count -= 1
        padding += 1
    }
    if padding > 0 && (count + padding) % 4 != 0 { return nil }
    // A group of 4 characters is 3 bytes; a final group of 2 is 1 byte, of 3 is 2; of 1, nothing.
    let rest = count % 4
    if rest == 1 { return nil }
    var out = [UInt8]()
    out.reserveCapacity(count / 4 * 3 + 2)
    var buffer: UInt32 = 0
    var bits = 0
    for index in 0..<count {
        let value = reverse[Int(bytes[index])]
        if value == 0xFF { return nil }
        buffer = buffer << 6 | UInt32(value)
        bits += 6
        if bits >= 8 {
            bits -= 8
            out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
        }
    }
    // The bits left over must be zeros.
    if buffer & ((1 << UInt32(bits)) - 1) != 0 { return nil }
    return out
}
