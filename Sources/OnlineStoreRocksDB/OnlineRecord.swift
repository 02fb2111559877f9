import FeatureStoreCore
import Foundation

/// What the online store holds for one entity of one view: the row's event and created times and
/// its feature values, each under its name (so adding, removing or reordering features needs no
/// rewrite).
///
/// Encoding: version byte 1, event time and created time (8 bytes little-endian each), a varint
/// count, then per feature a varint name length, the name, a type tag and the payload.
public struct OnlineRecord: Hashable, Sendable {
    public var eventTime: Timestamp
    public var createdTime: Timestamp
    public var values: [(name: String, value: FeatureValue)]

    public init(eventTime: Timestamp, createdTime: Timestamp, values: [(name: String, value: FeatureValue)]) {
        self.eventTime = eventTime
        self.createdTime = createdTime
        self.values = values
    }

    public static func == (lhs: OnlineRecord, rhs: OnlineRecord) -> Bool {
        lhs.eventTime == rhs.eventTime && lhs.createdTime == rhs.createdTime
            && lhs.values.map(\.name) == rhs.values.map(\.name) && lhs.values.map(\.value) == rhs.values.map(\.value)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(eventTime)
        hasher.combine(createdTime)
        for (name, value) in values {
            hasher.combine(name)
            hasher.combine(value)
        }
    }

    /// Whether this row replaces `other`: a later event time, or the same with a later created time.
    public func isNewer(than other: (event: Timestamp, created: Timestamp)) -> Bool {
        (eventTime, createdTime) > other
    }

    static let version: UInt8 = 1

    enum Tag: UInt8 {
        case null = 0, int64, float64, string, bool, bytes, timestamp
    }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = [Self.version]
        out.reserveCapacity(17 + values.count * 16)
        appendLittleEndian(UInt64(bitPattern: eventTime.microseconds), to: &out)
        appendLittleEndian(UInt64(bitPattern: createdTime.microseconds), to: &out)
        appendVarint(UInt64(values.count), to: &out)
        for (name, value) in values {
            appendVarint(UInt64(name.utf8.count), to: &out)
            out += name.utf8
            switch value {
            case .null: out.append(Tag.null.rawValue)
            case .int64(let v):
                out.append(Tag.int64.rawValue)
                appendLittleEndian(UInt64(bitPattern: v), to: &out)
            case .float64(let v):
                out.append(Tag.float64.rawValue)
                appendLittleEndian(v.bitPattern, to: &out)
            case .string(let s):
                out.append(Tag.string.rawValue)
                appendVarint(UInt64(s.utf8.count), to: &out)
                out += s.utf8
            case .bool(let b):
                out.append(Tag.bool.rawValue)
                out.append(b ? 1 : 0)
            case .bytes(let b):
                out.append(Tag.bytes.rawValue)
                appendVarint(UInt64(b.count), to: &out)
                out += b
            case .timestamp(let t):
                out.append(Tag.timestamp.rawValue)
                appendLittleEndian(UInt64(bitPattern: t.microseconds), to: &out)
            }
        }
        return out
    }

    /// The event and created times alone, read from the header.
    public static func times(of bytes: UnsafeRawBufferPointer) -> (event: Timestamp, created: Timestamp)? {
        guard bytes.count >= 17, bytes[0] == version else { return nil }
        return (
            Timestamp(microseconds: Int64(bitPattern: bytes.loadUnaligned(fromByteOffset: 1, as: UInt64.self).littleEndian)),
            Timestamp(microseconds: Int64(bitPattern: bytes.loadUnaligned(fromByteOffset: 9, as: UInt64.self).littleEndian))
        )
    }

    /// Decodes a whole record; `nil` when the bytes are not one.
    public static func decode(_ bytes: UnsafeRawBufferPointer) -> OnlineRecord? {
        guard let (event, created) = times(of: bytes) else { return nil }
        var reader = ByteReader(bytes: bytes, offset: 17)
        guard let count = reader.varint() else { return nil }
        var values: [(String, FeatureValue)] = []
        for _ in 0..<count {
            guard let name = reader.string(), let value = reader.value() else { return nil }
            values.append((name, value))
        }
        return OnlineRecord(eventTime: event, createdTime: created, values: values)
    }

    /// Reads only the features named in `names` (UTF-8 bytes), in that order (`nil` for a name the
    /// record lacks).
    public static func decode(_ bytes: UnsafeRawBufferPointer, selecting names: [[UInt8]]) -> (event: Timestamp, values: [FeatureValue?])? {
        guard let (event, _) = times(of: bytes) else { return nil }
        var reader = ByteReader(bytes: bytes, offset: 17)
        guard let count = reader.varint() else { return nil }
        var result = [FeatureValue?](repeating: nil, count: names.count)
        for _ in 0..<count {
            guard let nameBytes = reader.slice() else { return nil }
            let wanted = names.firstIndex { name in
                name.count == nameBytes.count && name.withUnsafeBytes { memcmp($0.baseAddress!, nameBytes.baseAddress!, name.count) == 0 }
            }
            if let wanted {
                guard let value = reader.value() else { return nil }
                result[wanted] = value
            } else if !reader.skipValue() {
                return nil
            }
        }
        return (event, result)
    }
}

struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var offset: Int

    mutating func varint() -> UInt64? {
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

    mutating func slice() -> UnsafeRawBufferPointer? {
        guard let length = varint().map(Int.init), offset + length <= bytes.count else { return nil }
        defer { offset += length }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)])
    }

    mutating func string() -> String? { slice().map { String(decoding: $0, as: UTF8.self) } }

    mutating func fixed64() -> UInt64? {
        guard offset + 8 <= bytes.count else { return nil }
        defer { offset += 8 }
        return bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian
    }

    mutating func value() -> FeatureValue? {
        guard offset < bytes.count, let tag = OnlineRecord.Tag(rawValue: bytes[offset]) else { return nil }
        offset += 1
        switch tag {
        case .null: return .null
        case .int64: return fixed64().map { .int64(Int64(bitPattern: $0)) }
        case .float64: return fixed64().map { .float64(Double(bitPattern: $0)) }
        case .timestamp: return fixed64().map { .timestamp(Timestamp(microseconds: Int64(bitPattern: $0))) }
        case .string: return string().map(FeatureValue.string)
        case .bytes: return slice().map { .bytes(Array($0)) }
        case .bool:
            guard offset < bytes.count else { return nil }
            defer { offset += 1 }
            return .bool(bytes[offset] != 0)
        }
    }

    mutating func skipValue() -> Bool {
        guard offset < bytes.count, let tag = OnlineRecord.Tag(rawValue: bytes[offset]) else { return false }
        offset += 1
        switch tag {
        case .null: return true
        case .int64, .float64, .timestamp:
            offset += 8
            return offset <= bytes.count
        case .bool:
            offset += 1
            return offset <= bytes.count
        case .string, .bytes: return slice() != nil
        }
    }
}

@inline(__always)
func appendLittleEndian(_ value: UInt64, to out: inout [UInt8]) {
    for shift in stride(from: 0, through: 56, by: 8) { out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
}

@inline(__always)
func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
    var v = value
    while v >= 0x80 {
        out.append(UInt8(v & 0x7F) | 0x80)
        v >>= 7
    }
    out.append(UInt8(v))
}
