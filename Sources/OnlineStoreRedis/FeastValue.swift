import FeatureStoreCore

/// A feature value as a serialized `feast.types.Value` protobuf, the form Feast's Redis store
/// keeps: a null is an empty `Value`; a timestamp is `unix_timestamp_val` in whole seconds (the
/// field holds no fraction: the second is the floor, so an instant never moves later).
enum FeastValue {
    // feast.types.Value field numbers.
    static let bytesField: UInt64 = 1
    static let stringField: UInt64 = 2
    static let int32Field: UInt64 = 3
    static let int64Field: UInt64 = 4
    static let doubleField: UInt64 = 5
    static let floatField: UInt64 = 6
    static let boolField: UInt64 = 7
    static let unixTimestampField: UInt64 = 8
    static let nullField: UInt64 = 19

    static func encode(_ value: FeatureValue) -> [UInt8] {
        var out: [UInt8] = []
        switch value {
        case .null: break
        case .bytes(let bytes):
            ProtobufWire.appendTag(bytesField, wireType: 2, to: &out)
            ProtobufWire.appendVarint(UInt64(bytes.count), to: &out)
            out += bytes
        case .string(let text):
            ProtobufWire.appendTag(stringField, wireType: 2, to: &out)
            ProtobufWire.appendVarint(UInt64(text.utf8.count), to: &out)
            out += text.utf8
        case .int64(let number):
            ProtobufWire.appendTag(int64Field, wireType: 0, to: &out)
            ProtobufWire.appendVarint(UInt64(bitPattern: number), to: &out)
        case .float64(let number):
            ProtobufWire.appendTag(doubleField, wireType: 1, to: &out)
            ProtobufWire.appendLittleEndian(number.bitPattern, bytes: 8, to: &out)
        case .bool(let flag):
            ProtobufWire.appendTag(boolField, wireType: 0, to: &out)
            out.append(flag ? 1 : 0)
        case .timestamp(let time):
            ProtobufWire.appendTag(unixTimestampField, wireType: 0, to: &out)
            ProtobufWire.appendVarint(UInt64(bitPattern: FeastTimestamp.split(time).seconds), to: &out)
        }
        return out
    }

    /// Decodes a stored `Value`. `int32_val` reads as int64 and `float_val` as float64 (what Feast
    /// writes for those types); list values are refused, fs having no list type.
    ///
    /// - Throws: a message saying what is wrong with the bytes.
    static func decode(_ bytes: [UInt8]) throws(FeastValueError) -> FeatureValue {
        var reader = ProtobufWire.Reader(bytes)
        var value = FeatureValue.null
        while !reader.atEnd {
            guard let tag = reader.varint() else { throw FeastValueError("a truncated field tag") }
            let field = tag >> 3
            let wireType = tag & 7
            switch (field, wireType) {
            case (bytesField, 2):
                guard let slice = reader.lengthDelimited() else { throw FeastValueError("a truncated bytes_val") }
                value = .bytes(Array(slice))
            case (stringField, 2):
                guard let slice = reader.lengthDelimited() else { throw FeastValueError("a truncated string_val") }
                guard let text = String(validating: slice, as: UTF8.self) else {
                    throw FeastValueError("a string_val that is not valid UTF-8")
                }
                value = .string(text)
            case (int32Field, 0):
                guard let raw = reader.varint() else { throw FeastValueError("a truncated int32_val") }
                value = .int64(Int64(Int32(truncatingIfNeeded: raw)))
            case (int64Field, 0):
                guard let raw = reader.varint() else { throw FeastValueError("a truncated int64_val") }
                value = .int64(Int64(bitPattern: raw))
            case (doubleField, 1):
                guard let raw = reader.fixed(8) else { throw FeastValueError("a truncated double_val") }
                value = .float64(Double(bitPattern: raw))
            case (floatField, 5):
                guard let raw = reader.fixed(4) else { throw FeastValueError("a truncated float_val") }
                value = .float64(Double(Float(bitPattern: UInt32(truncatingIfNeeded: raw))))
            case (boolField, 0):
                guard let raw = reader.varint() else { throw FeastValueError("a truncated bool_val") }
                value = .bool(raw != 0)
            case (unixTimestampField, 0):
                guard let raw = reader.varint() else { throw FeastValueError("a truncated unix_timestamp_val") }
                let seconds = Int64(bitPattern: raw)
                let (micros, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
                guard !overflow, Timestamp(microseconds: micros).isValid else {
                    throw FeastValueError("unix_timestamp_val \(seconds) is outside years 1-9999")
                }
                value = .timestamp(Timestamp(microseconds: micros))
            case (nullField, 0):
                guard reader.varint() != nil else { throw FeastValueError("a truncated null_val") }
                value = .null
            case (11...18, 2):
                throw FeastValueError("a list value (feast.types.Value field \(field)); fs has no list types")
            default:
                guard reader.skip(wireType: wireType) else {
                    throw FeastValueError("field \(field) of unknown wire type \(wireType)")
                }
            }
        }
        return value
    }
}

struct FeastValueError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
