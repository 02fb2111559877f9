import FeastProtos
import FeatureStoreKit
import Foundation
import SwiftProtobuf

extension Feast_Types_Value {
    /// A served value in Feast's protobuf form: null is a `Value` with nothing set (what Feast's
    /// servers send and every Feast client reads as missing); a timestamp is `unix_timestamp_val`,
    /// whole seconds as Feast defines it (the microseconds below a second do not fit the field and
    /// are left out: the second is the floor, so an instant never moves later).
    init(_ value: FeatureValue) {
        self.init()
        switch value {
        case .null: break
        case .int64(let number): int64Val = number
        case .float64(let number): doubleVal = number
        case .string(let text): stringVal = text
        case .bool(let flag): boolVal = flag
        case .bytes(let bytes): bytesVal = Data(bytes)
        case .timestamp(let time): unixTimestampVal = time.floorSeconds.seconds
        }
    }

    /// The member that is set, as its protobuf field name, and a short rendering of it, for
    /// error messages.
    var shortDescription: String {
        switch val {
        case nil: "an empty Value"
        case .bytesVal(let bytes)?: "bytes_val of \(bytes.count) bytes"
        case .stringVal(let text)?: "string_val \(Quote.value(text))"
        case .int32Val(let number)?: "int32_val \(number)"
        case .int64Val(let number)?: "int64_val \(number)"
        case .doubleVal(let number)?: "double_val \(number)"
        case .floatVal(let number)?: "float_val \(number)"
        case .boolVal(let flag)?: "bool_val \(flag)"
        case .unixTimestampVal(let seconds)?: "unix_timestamp_val \(seconds)"
        case .bytesListVal?: "bytes_list_val"
        case .stringListVal?: "string_list_val"
        case .int32ListVal?: "int32_list_val"
        case .int64ListVal?: "int64_list_val"
        case .doubleListVal?: "double_list_val"
        case .floatListVal?: "float_list_val"
        case .boolListVal?: "bool_list_val"
        case .unixTimestampListVal?: "unix_timestamp_list_val"
        case .nullVal?: "null_val"
        }
    }

    /// The value as an entity key of a join key of `type`: an int64 key takes `int64_val` or
    /// `int32_val`, a string key `string_val`; nothing is converted from another member.
    ///
    /// - Throws: `invalidArgument` naming the column, the row, what was sent and what to send.
    func entityKey(as type: ValueType, column: String, row: Int) throws -> FeatureValue {
        switch (val, type) {
        case (.int64Val(let number)?, .int64): return .int64(number)
        case (.int32Val(let number)?, .int64): return .int64(Int64(number))
        case (.stringVal(let text)?, .string): return .string(text)
        default:
            let member = type == .int64 ? "int64_val (or int32_val)" : "string_val"
            let expected = type == .int64 ? "an int64" : "a \(type.rawValue)"
            throw FeatureStoreError.invalidArgument(
                "entities['\(column)'].val[\(row)] is \(shortDescription), not \(expected); the join key holds \(type.rawValue) values: send \(member)"
            )
        }
    }
}

extension Google_Protobuf_Timestamp {
    /// The same instant, exactly (protobuf timestamps count nanoseconds).
    init(_ time: Timestamp) {
        let (seconds, microseconds) = time.floorSeconds
        self.init(seconds: seconds, nanos: Int32(microseconds) * 1000)
    }
}

extension Timestamp {
    /// Whole seconds since the epoch (the floor) and the microseconds past them (0..<1_000_000).
    var floorSeconds: (seconds: Int64, microseconds: Int64) {
        let (quotient, remainder) = microseconds.quotientAndRemainder(dividingBy: 1_000_000)
        return remainder < 0 ? (quotient - 1, remainder + 1_000_000) : (quotient, remainder)
    }
}
