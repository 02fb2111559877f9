/// A compact binary form of values, used by the online store's records and aggregate tiles:
/// a type tag, then 8 little-endian bytes (int64, float64, timestamp), one byte (bool), or a
/// varint length and the bytes (string, bytes).
extension FeatureValue {
    enum BinaryTag: UInt8 {
        case null = 0, int64, float64, string, bool, bytes, timestamp
    }

    /// Appends the value's binary form.
    public func appendBinary(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(BinaryTag.null.rawValue)
        case .int64(let v):
            out.append(BinaryTag.int64.rawValue)
            appendLittleEndian(UInt64(bitPattern: v), to: &out)
        case .float64(let v):
            out.append(BinaryTag.float64.rawValue)
            appendLittleEndian(v.bitPattern, to: &out)
        case .string(let s):
            out.append(BinaryTag.string.rawValue)
            appendVarint(UInt64(s.utf8.count), to: &out)
            out += s.utf8
        case .bool(let b):
            out.append(BinaryTag.bool.rawValue)
            out.append(b ? 1 : 0)
        case .bytes(let b):
            out.append(BinaryTag.bytes.rawValue)
            appendVarint(UInt64(b.count), to: &out)
            out += b
        case .timestamp(let t):
            out.append(BinaryTag.timestamp.rawValue)
            appendLittleEndian(UInt64(bitPattern: t.microseconds), to: &out)
        }
    }
}

/// Reads the binary forms written by ``FeatureValue/appendBinary(to:)`` and the helpers below;
/// every read returns `nil` instead of reading past the end.
public struct ByteReader {
    public let bytes: UnsafeRawBufferPointer
    public var offset: Int

    public init(bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    public var isAtEnd: Bool { offset >= bytes.count }

    public mutating func byte() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func varint() -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count, shift < 64 {
            let byte = bytes[offset]
            offset += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        return nil
    }

    public mutating func slice() -> UnsafeRawBufferPointer? {
        guard let length = varint().map(Int.init), length >= 0, offset + length <= bytes.count else { return nil }
        defer { offset += length }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)])
    }

    public mutating func string() -> String? { slice().map { String(decoding: $0, as: UTF8.self) } }

    public mutating func fixed64() -> UInt64? {
        guard offset + 8 <= bytes.count else { return nil }
        defer { offset += 8 }
        return bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian
    }

    public mutating func int64() -> Int64? { fixed64().map { Int64(bitPattern: $0) } }

    public mutating func double() -> Double? { fixed64().map { Double(bitPattern: $0) } }

    public mutating func value() -> FeatureValue? {
        guard let raw = byte(), let tag = FeatureValue.BinaryTag(rawValue: raw) else { return nil }
        switch tag {
        case .null: return .null
        case .int64: return int64().map { .int64($0) }
        case .float64: return double().map { .float64($0) }
        case .timestamp: return int64().map { .timestamp(Timestamp(microseconds: $0)) }
        case .string: return string().map(FeatureValue.string)
        case .bytes: return slice().map { .bytes(Array($0)) }
        case .bool: return byte().map { .bool($0 != 0) }
        }
    }

    /// Moves past one value without building it.
    public mutating func skipValue() -> Bool {
        guard let raw = byte(), let tag = FeatureValue.BinaryTag(rawValue: raw) else { return false }
        switch tag {
        case .null: return true
        case .int64, .float64, .timestamp: return fixed64() != nil
        case .bool: return byte() != nil
        case .string, .bytes: return slice() != nil
        }
    }
}

@inline(__always)
public func appendLittleEndian(_ value: UInt64, to out: inout [UInt8]) {
    for shift in stride(from: 0, through: 56, by: 8) { out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
}

@inline(__always)
public func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
    var v = value
    while v >= 0x80 {
        out.append(UInt8(v & 0x7F) | 0x80)
        v >>= 7
    }
    out.append(UInt8(v))
}

@inline(__always)
public func appendBigEndian(_ value: UInt64, to out: inout [UInt8]) {
    for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
}
