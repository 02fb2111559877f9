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

    public func encoded() -> [UInt8] {
        var out: [UInt8] = [Self.version]
        out.reserveCapacity(17 + values.count * 16)
        appendLittleEndian(UInt64(bitPattern: eventTime.microseconds), to: &out)
        appendLittleEndian(UInt64(bitPattern: createdTime.microseconds), to: &out)
        appendVarint(UInt64(values.count), to: &out)
        for (name, value) in values {
            appendVarint(UInt64(name.utf8.count), to: &out)
            out += name.utf8
            value.appendBinary(to: &out)
        }
        return out
    }

    /// The event and created times alone, read from the header.
    public static func times(of bytes: UnsafeRawBufferPointer) -> (event: Timestamp, created: Timestamp)? {
        guard bytes.count >= 17, bytes[0] == version else { return nil }
        return (
            Timestamp(
                microseconds: Int64(bitPattern: bytes.loadUnaligned(fromByteOffset: 1, as: UInt64.self).littleEndian)),
            Timestamp(
                microseconds: Int64(bitPattern: bytes.loadUnaligned(fromByteOffset: 9, as: UInt64.self).littleEndian))
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

    /// Calls `body` with the event time, the position in `names` and the value of each feature the
    /// record holds that `names` asks for; false when the bytes are not a record.
    ///
    /// Records usually hold the features in the order asked, so each name is first compared with
    /// the one after the last match before the others are searched.
    public static func decode(
        _ bytes: UnsafeRawBufferPointer, selecting names: [[UInt8]],
        _ body: (Timestamp, Int, FeatureValue) throws -> Void
    ) rethrows -> Bool {
        guard let (event, _) = times(of: bytes) else { return false }
        var reader = ByteReader(bytes: bytes, offset: 17)
        guard let count = reader.varint() else { return false }
        var next = 0
        for _ in 0..<count {
            guard let nameBytes = reader.slice() else { return false }
            func matches(_ position: Int) -> Bool {
                let name = names[position]
                guard name.count == nameBytes.count else { return false }
                return name.isEmpty
                    || name.withUnsafeBytes { memcmp($0.baseAddress!, nameBytes.baseAddress!, name.count) == 0 }
            }
            let wanted: Int? =
                next < names.count && matches(next) ? next : names.indices.first { $0 != next && matches($0) }
            if let wanted {
                guard let value = reader.value() else { return false }
                try body(event, wanted, value)
                next = wanted + 1
            } else if !reader.skipValue() {
                return false
            }
        }
        return true
    }
}
