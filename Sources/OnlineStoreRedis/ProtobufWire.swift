/// The few protobuf wire-format pieces Feast's Redis values need (varints, tags, fixed-width
/// numbers), so this module needs no protobuf runtime.
enum ProtobufWire {
    static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        out.append(UInt8(value))
    }

    static func appendTag(_ field: UInt64, wireType: UInt64, to out: inout [UInt8]) {
        appendVarint(field << 3 | wireType, to: &out)
    }

    static func appendLittleEndian(_ value: UInt64, bytes: Int, to out: inout [UInt8]) {
        for index in 0..<bytes { out.append(UInt8(truncatingIfNeeded: value >> UInt64(index * 8))) }
    }

    /// Reads protobuf fields one by one; every read is bounds-checked and returns `nil` on bytes
    /// that are not protobuf.
    struct Reader {
        let bytes: [UInt8]
        var offset = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { offset >= bytes.count }

        mutating func varint() -> UInt64? {
            var result: UInt64 = 0
            for index in 0..<10 {
                guard offset < bytes.count else { return nil }
                let byte = bytes[offset]
                offset += 1
                if index == 9 && byte > 1 { return nil }
                result |= UInt64(byte & 0x7F) << UInt64(7 * index)
                if byte & 0x80 == 0 { return result }
            }
            return nil
        }

        mutating func fixed(_ count: Int) -> UInt64? {
            guard bytes.count - offset >= count else { return nil }
            var result: UInt64 = 0
            for index in 0..<count { result |= UInt64(bytes[offset + index]) << UInt64(index * 8) }
            offset += count
            return result
        }

        mutating func lengthDelimited() -> ArraySlice<UInt8>? {
            guard let length = varint(), length <= UInt64(bytes.count - offset) else { return nil }
            let slice = bytes[offset..<(offset + Int(length))]
            offset += Int(length)
            return slice
        }

        /// Skips a field's payload of `wireType`; false for unknown wire types or short input.
        mutating func skip(wireType: UInt64) -> Bool {
            switch wireType {
            case 0: return varint() != nil
            case 1: return fixed(8) != nil
            case 2: return lengthDelimited() != nil
            case 5: return fixed(4) != nil
            default: return false
            }
        }
    }
}
