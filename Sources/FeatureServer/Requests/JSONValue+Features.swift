import FeatureStoreKit

extension JSONValue {
    /// The value as an entity key value (typed later against the join key).
    ///
    /// - Throws: `invalidArgument` for arrays and objects, naming the column and row.
    func entityValue(column: String, row: Int) throws -> FeatureValue {
        switch self {
        case .null: return .null
        case .bool(let v): return .bool(v)
        case .int(let v): return .int64(v)
        case .double(let v): return .float64(v)
        case .string(let v): return .string(v)
        case .array, .object:
            throw FeatureStoreError.invalidArgument(
                "entity column '\(column)' value #\(row + 1) is \(kindDescription); give one number or string per entity"
            )
        }
    }

    /// The value as a `type` column value; null stays null.
    ///
    /// Numbers convert between int64 and float64 when exact; timestamps are RFC 3339 strings or
    /// seconds since the epoch; bytes are base64 strings.
    ///
    /// - Throws: `invalidArgument` naming the column, the row and the expected type.
    func featureValue(as type: ValueType, column: String, row: Int) throws -> FeatureValue {
        switch (self, type) {
        case (.null, _): return .null
        case (.int(let v), .int64): return .int64(v)
        case (.double(let v), .int64):
            if v.rounded() == v, let exact = Int64(exactly: v) { return .int64(exact) }
        case (.string(let text), .int64):
            if let v = Int64(text) { return .int64(v) }
        case (.int(let v), .float64): return .float64(Double(v))
        case (.double(let v), .float64): return .float64(v)
        case (.string(let text), .float64):
            if let v = Double(text) { return .float64(v) }
        case (.string(let text), .string): return .string(text)
        case (.bool(let v), .bool): return .bool(v)
        case (.string(let text), .bytes):
            if let bytes = decodeBase64(text) { return .bytes(bytes) }
        case (.string(let text), .timestamp):
            if let time = Self.parseTimestamp(text) { return .timestamp(time) }
        case (.int(let v), .timestamp):
            let (micros, overflow) = v.multipliedReportingOverflow(by: 1_000_000)
            if !overflow { return .timestamp(Timestamp(microseconds: micros)) }
        case (.double(let v), .timestamp):
            if v.isFinite, abs(v) < 9.0e12 { return .timestamp(Timestamp(microseconds: Int64((v * 1e6).rounded()))) }
        default: break
        }
        let hint =
            switch type {
            case .timestamp: "an RFC 3339 string such as \"2026-11-19T10:00:00Z\" or seconds since the epoch"
            case .bytes: "a base64 string"
            case .bool: "true or false"
            case .int64: "an integer"
            case .float64: "a number"
            case .string: "a string"
            }
        throw FeatureStoreError.invalidArgument(
            "column '\(column)' value #\(row + 1) (\(shortDescription)) is not a \(type.rawValue); send \(hint)")
    }

    /// Parses RFC 3339, also with a space for `T` and without a zone (then UTC), as Python's
    /// `str(datetime)` and pandas write it.
    static func parseTimestamp(_ text: String) -> Timestamp? {
        if let time = Timestamp.parse(text) { return time }
        if let time = Timestamp.parse(text + "Z") { return time }
        return nil
    }

    /// The value as short text for messages.
    var shortDescription: String {
        switch self {
        case .null: "null"
        case .bool(let v): String(v)
        case .int(let v): String(v)
        case .double(let v): String(v)
        case .string(let v): "\"\(v.count > 40 ? String(v.prefix(40)) + "..." : v)\""
        case .array: "an array"
        case .object: "an object"
        }
    }
}
