/// The length of the valid UTF-8 sequence starting at `index` (1 to 4), or 0 when the bytes there
/// are not valid UTF-8 (overlong forms, surrogates and code points past U+10FFFF included).
@inline(__always)
public func validSequenceLength(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
    let first = bytes[index]
    if first < 0x80 { return 1 }
    let remaining = bytes.count - index
    @inline(__always) func continuation(_ offset: Int) -> Bool {
        offset < remaining && bytes[index + offset] & 0xC0 == 0x80
    }
    switch first {
    case 0xC2...0xDF:
        return continuation(1) ? 2 : 0
    case 0xE0...0xEF:
        guard remaining >= 3, continuation(1), continuation(2) else { return 0 }
        let second = bytes[index + 1]
        if first == 0xE0 && second < 0xA0 { return 0 }  // overlong
        if first == 0xED && second > 0x9F { return 0 }  // surrogate
        return 3
    case 0xF0...0xF4:
        guard remaining >= 4, continuation(1), continuation(2), continuation(3) else { return 0 }
        let second = bytes[index + 1]
        if first == 0xF0 && second < 0x90 { return 0 }  // overlong
        if first == 0xF4 && second > 0x8F { return 0 }  // past U+10FFFF
        return 4
    default:
        return 0
    }
}

/// The offset of the first byte that is not valid UTF-8, or `nil` when all of `bytes` is.
public func firstInvalidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    var index = 0
    let count = bytes.count
    while index < count {
        // Eight ASCII bytes at a time.
        if index + 8 <= count, let base = bytes.baseAddress {
            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            if word & 0x8080_8080_8080_8080 == 0 {
                index += 8
                continue
            }
        }
        let length = validSequenceLength(bytes, at: index)
        if length == 0 { return index }
        index += length
    }
    return nil
}
