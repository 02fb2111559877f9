import FeatureStoreCore

/// Feast's serialized entity key, version 3, and its Redis key (the serialized key followed by
/// the project name).
///
/// Version 3: the number of join keys (4 bytes little endian); then, join keys sorted by name,
/// each name as `STRING` (value type 2, 4 bytes LE), its length (4 bytes LE) and its UTF-8 bytes;
/// then each value in the same order as its value type (4 bytes LE), its length (4 bytes LE) and
/// its bytes (an int64 as 8 bytes LE, a string as UTF-8, bytes as they are).
enum FeastEntityKey {
    // feast.types.ValueType.Enum numbers.
    static let bytesType: UInt32 = 1
    static let stringType: UInt32 = 2
    static let int64Type: UInt32 = 4

    /// The Redis key of one entity: `serialize_entity_key(v3) + project`.
    ///
    /// - Throws: `invalidArgument` for a value Feast cannot key by (float, bool, timestamp, null),
    ///   or a name or value over 4 GiB.
    static func redisKey(joinKeys: [String], values: [FeatureValue], project: String) throws -> [UInt8] {
        guard joinKeys.count == values.count else {
            throw FeatureStoreError.invalidArgument(
                "an entity has \(values.count) values for the \(joinKeys.count) join keys \(Suggestion.list(joinKeys))")
        }
        var out: [UInt8] = []
        appendUInt32(UInt32(joinKeys.count), to: &out)
        let order = joinKeys.indices.sorted { joinKeys[$0].utf8.lexicographicallyPrecedes(joinKeys[$1].utf8) }
        for index in order {
            try appendField(type: stringType, Array(joinKeys[index].utf8), name: joinKeys[index], to: &out)
        }
        for index in order {
            let name = joinKeys[index]
            switch values[index] {
            case .int64(let number):
                var bytes: [UInt8] = []
                ProtobufWire.appendLittleEndian(UInt64(bitPattern: number), bytes: 8, to: &bytes)
                try appendField(type: int64Type, bytes, name: name, to: &out)
            case .string(let text): try appendField(type: stringType, Array(text.utf8), name: name, to: &out)
            case .bytes(let bytes): try appendField(type: bytesType, bytes, name: name, to: &out)
            case let other:
                throw FeatureStoreError.invalidArgument(
                    "join key '\(name)' has a \(other.type?.rawValue ?? "null") value; Feast's Redis layout keys entities by int64, string or bytes values only"
                )
            }
        }
        out += project.utf8
        return out
    }

    private static func appendField(type: UInt32, _ bytes: [UInt8], name: String, to out: inout [UInt8]) throws {
        guard let length = UInt32(exactly: bytes.count) else {
            throw FeatureStoreError.invalidArgument("join key '\(name)' is longer than 4 GiB")
        }
        appendUInt32(type, to: &out)
        appendUInt32(length, to: &out)
        out += bytes
    }

    private static func appendUInt32(_ value: UInt32, to out: inout [UInt8]) {
        ProtobufWire.appendLittleEndian(UInt64(value), bytes: 4, to: &out)
    }
}
