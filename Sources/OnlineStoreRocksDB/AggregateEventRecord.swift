import FeatureStoreCore
import Foundation

/// The stored form of one raw event of an aggregate view (its event time and id are in the key,
/// ``AggregateLayout/eventKey(entity:time:id:)``).
///
/// Encoding: format byte 1, the created time and the version (8 bytes little-endian each), a flags
/// byte (bit 0: an identity entry points at this event), a varint count, then per column a varint
/// name length, the name and the value's binary form (``FeatureValue/appendBinary(to:)``). Columns
/// are found by name, so an aggregation removed from the view leaves its column readable (and
/// skipped).
enum AggregateEventRecord {
    static let format: UInt8 = 1
    /// Offset of the column count.
    static let headerSize = 18

    static func encode(
        created: Int64, version: Int64, indexed: Bool, values: [FeatureValue], layout: AggregateLayout
    ) -> [UInt8] {
        var out: [UInt8] = [format]
        out.reserveCapacity(headerSize + 1 + values.count * 20)
        appendLittleEndian(UInt64(bitPattern: created), to: &out)
        appendLittleEndian(UInt64(bitPattern: version), to: &out)
        out.append(indexed ? 1 : 0)
        appendVarint(UInt64(values.count), to: &out)
        for (name, value) in zip(layout.columnBytes, values) {
            appendVarint(UInt64(name.count), to: &out)
            out += name
            value.appendBinary(to: &out)
        }
        return out
    }

    /// The header: created time, version, whether an identity entry points here; `nil` when the
    /// bytes are not a record.
    static func header(_ bytes: UnsafeRawBufferPointer) -> (created: Int64, version: Int64, indexed: Bool)? {
        guard bytes.count > headerSize, bytes[0] == format else { return nil }
        return (
            Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 1, as: Int64.self)),
            Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 9, as: Int64.self)),
            bytes[17] & 1 != 0
        )
    }

    /// The values of the layout's columns (null for a column the record lacks) into `values`
    /// (replaced); `false` when the bytes are not a record.
    static func values(_ bytes: UnsafeRawBufferPointer, layout: AggregateLayout, into values: inout [FeatureValue])
        -> Bool
    {
        guard header(bytes) != nil else { return false }
        let names = layout.columnBytes
        values.removeAll(keepingCapacity: true)
        for _ in names.indices { values.append(.null) }
        var reader = ByteReader(bytes: bytes, offset: headerSize)
        guard let count = reader.varint() else { return false }
        var stored = 0
        while stored < count {
            guard let name = reader.slice() else { return false }
            // Records are written in the layout's order, so the name is usually at the same position.
            func matches(_ position: Int) -> Bool {
                names[position].count == name.count
                    && names[position].withUnsafeBytes { memcmp($0.baseAddress!, name.baseAddress!, name.count) == 0 }
            }
            if let position = stored < names.count && matches(stored) ? stored : names.indices.first(where: matches) {
                guard let value = reader.value() else { return false }
                values[position] = value
            } else if !reader.skipValue() {
                return false
            }
            stored += 1
        }
        return true
    }

    /// Whether two records hold the same created time and values (their versions and flags aside):
    /// a later arrival of the same content.
    static func sameContent(_ a: UnsafeRawBufferPointer, _ b: [UInt8]) -> Bool {
        guard a.count == b.count, a.count > headerSize else { return false }
        return b.withUnsafeBytes { b in
            memcmp(a.baseAddress! + 1, b.baseAddress! + 1, 8) == 0
                && memcmp(a.baseAddress! + headerSize, b.baseAddress! + headerSize, a.count - headerSize) == 0
        }
    }
}
