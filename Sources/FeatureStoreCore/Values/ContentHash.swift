/// A fast 128-bit content hash: the fingerprint of an ingested file and the identity of an event
/// named by its `dedupe_on` values.
///
/// Written by hand because no available package offers a non-cryptographic hash with a stable
/// output (Swift's `Hasher` is seeded per process). Not for adversarial input: two lanes of
/// 64-bit multiply-rotate mixing over 8-byte words, each finished with MurmurHash3's `fmix64`.
public struct ContentHash: Sendable {
    private var a: UInt64 = 0x9E37_79B9_7F4A_7C15
    private var b: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private var length: UInt64 = 0

    public init() {}

    /// Mixes in `bytes`.
    public mutating func combine(_ bytes: UnsafeRawBufferPointer) {
        var index = 0
        let count = bytes.count
        while index + 8 <= count {
            mix(bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self).littleEndian)
            index += 8
        }
        if index < count {
            var tail: UInt64 = 0
            for offset in 0..<(count - index) { tail |= UInt64(bytes[index + offset]) << (8 * UInt64(offset)) }
            mix(tail ^ 0xFF)
        }
        length &+= UInt64(count)
    }

    /// Mixes in one 64-bit word (a number, a length, a separator).
    public mutating func combine(_ word: UInt64) {
        mix(word)
        length &+= 8
    }

    @inline(__always) private mutating func mix(_ word: UInt64) {
        a = (a ^ (word &* 0x87C3_7B91_1142_53D5)).rotatedLeft(31) &* 0x4CF5_AD43_2745_937F
        b = (b ^ (word &* 0x4CF5_AD43_2745_937F)).rotatedLeft(27) &* 0x87C3_7B91_1142_53D5 &+ a
    }

    /// The two 64-bit halves.
    public var value: (UInt64, UInt64) {
        let x = Self.fmix(a ^ length)
        let y = Self.fmix(b ^ length &+ x)
        return (x, y)
    }

    /// The 32 hex digits of ``value``.
    public var hex: String {
        let (x, y) = value
        return Self.hex(x) + Self.hex(y)
    }

    private static func hex(_ word: UInt64) -> String {
        let digits = String(word, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    private static func fmix(_ value: UInt64) -> UInt64 {
        var k = value
        k ^= k >> 33
        k = k &* 0xFF51_AFD7_ED55_8CCD
        k ^= k >> 33
        k = k &* 0xC4CE_B9FE_1A85_EC53
        k ^= k >> 33
        return k
    }
}

extension UInt64 {
    @inline(__always) fileprivate func rotatedLeft(_ count: UInt64) -> UInt64 {
        (self << count) | (self >> (64 - count))
    }
}

extension ContentHash {
    /// Mixes in a typed value, with its type, so `1` and `"1"` differ.
    public mutating func combine(_ value: FeatureValue) {
        switch value {
        case .null: combine(0)
        case .int64(let v):
            combine(1)
            combine(UInt64(bitPattern: v))
        case .float64(let v):
            combine(2)
            combine(v.bitPattern)
        case .string(let v):
            combine(3)
            var copy = v
            copy.withUTF8 { combine(UnsafeRawBufferPointer($0)) }
            combine(UInt64(v.utf8.count))
        case .bool(let v):
            combine(4)
            combine(v ? 1 : 0)
        case .bytes(let v):
            combine(5)
            v.withUnsafeBytes { combine($0) }
            combine(UInt64(v.count))
        case .timestamp(let v):
            combine(6)
            combine(UInt64(bitPattern: v.microseconds))
        }
    }

    /// The identity of an event named by its `dedupe_on` values: a non-negative 63-bit number.
    public static func eventIdentity(_ values: [FeatureValue]) -> Int64 {
        var hash = ContentHash()
        for value in values { hash.combine(value) }
        return Int64(bitPattern: hash.value.0 & 0x7FFF_FFFF_FFFF_FFFF)
    }
}
