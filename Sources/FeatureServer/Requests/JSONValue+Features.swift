import FeatureStoreKit

extension JSONValue {
    /// The value of row `row` of column `column` of `df` as a `type` value; null stays null.
    ///
    /// - Throws: `invalidArgument` naming the JSON path (`df.conv_rate[3]`), the value and the
    ///   expected type.
    func featureValue(as type: ValueType, column: String, row: Int) throws -> FeatureValue {
        try featureValue(as: type, at: JSONPath.cell("df", column, row))
    }

    /// The value as a `type` value; null stays null.
    ///
    /// Strict where a silent conversion could change the value: an int64 takes only a JSON integer
    /// in range (no `"1001"`, `1.0`, `1e2`, nor `-9223372036854775809` clamped); a float64 takes a
    /// finite number (or a string holding one), never infinity or NaN. Timestamps are RFC 3339
    /// strings or seconds since the epoch; bytes are base64 strings.
    ///
    /// - Parameter path: where the value is, for the message (built only on error).
    /// - Throws: `invalidArgument` naming the path, the value and the expected type.
    func featureValue(as type: ValueType, at path: @autoclosure () -> String) throws -> FeatureValue {
        switch (self, type) {
        case (.null, _): return .null
        case (.int(let v), .int64): return .int64(v)
        case (.double, .int64), (.largeInteger, .int64), (.string, .int64):
            throw integerError(at: path(), what: "an int64 value")
        case (.int(let v), .float64): return .float64(Double(v))
        case (.double(let v), .float64): return .float64(v)
        case (.largeInteger(let text), .float64):
            if let v = Double(text), v.isFinite { return .float64(v) }
            throw nonFinite(at: path())
        case (.string(let text), .float64):
            if JSONParser.isNumber(text), let v = Double(text), v.isFinite { return .float64(v) }
            if let v = Double(text), !v.isFinite { throw nonFinite(at: path()) }
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
            case .float64: "a finite number"
            case .string: "a string"
            }
        throw FeatureStoreError.invalidArgument(
            "\(path()) is \(shortDescription), not \(type.withArticle); send \(hint)")
    }

    /// The value as the value of a join key of `type` in a lookup's `entities`: an int64 key takes
    /// only a JSON integer in range, a string key only a string (what Feast's clients send).
    ///
    /// - Throws: `invalidArgument` naming the path (`entities.driver_id[2]`), the value and the key's type.
    func entityKey(as type: ValueType, at path: @autoclosure () -> String) throws -> FeatureValue {
        switch (self, type) {
        case (.int(let v), .int64): return .int64(v)
        case (.string(let v), .string): return .string(v)
        case (.double, .int64), (.largeInteger, .int64), (.string, .int64):
            throw integerError(at: path(), what: "an int64 join key")
        case (.null, _):
            throw FeatureStoreError.invalidArgument(
                "\(path()) is null; every entity needs a value for each join key")
        default:
            throw FeatureStoreError.invalidArgument(
                "\(path()) is \(shortDescription) (\(kindDescription)), not \(type.withArticle); the join key holds \(type.rawValue) values"
            )
        }
    }

    /// Why a number or string is not an int64, naming it exactly.
    private func integerError(at path: String, what: String) -> FeatureStoreError {
        let reason =
            switch self {
            case .largeInteger:
                "outside the int64 range (-9223372036854775808 to 9223372036854775807)"
            case .string:
                "a string; \(what) takes a JSON integer without quotes"
            default:
                "not an integer; \(what) takes a JSON integer (1001, not 1001.0 or 1.001e3)"
            }
        return FeatureStoreError.invalidArgument("\(path) is \(shortDescription), \(reason)")
    }

    /// A float64 that would be infinite or NaN.
    private func nonFinite(at path: String) -> FeatureStoreError {
        FeatureStoreError.invalidArgument(
            "\(path) is \(shortDescription), not a finite number; fs stores no infinity or NaN (send a finite number, or null when the value is unknown)"
        )
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
        case .largeInteger(let text): text.count > 40 ? String(text.prefix(40)) + "..." : text
        case .double(let v): String(v)
        case .string(let v): "\"\(v.count > 40 ? String(v.prefix(40)) + "..." : v)\""
        case .array: "an array"
        case .object: "an object"
        }
    }
}

extension ValueType {
    /// `an int64`, `a string`, for messages.
    var withArticle: String { self == .int64 ? "an int64" : "a \(rawValue)" }
}
