/// Parsing and printing values as text, the form they take in CSV files and command lines.
extension FeatureValue {
    /// Parses `text` as a value of `type`. An empty string is null.
    ///
    /// - Returns: the value, or `nil` when `text` is not a valid `type`.
    public static func parse(_ text: Substring, as type: ValueType, timestampFormat: TimestampFormat = .iso8601)
        -> FeatureValue?
    {
        if text.isEmpty { return .null }
        switch type {
        case .int64:
            return Int64(text).map(FeatureValue.int64)
        case .float64:
            return Double(text).map(FeatureValue.float64)
        case .string:
            return .string(String(text))
        case .bool:
            switch text {
            case "true", "True", "TRUE", "1": return .bool(true)
            case "false", "False", "FALSE", "0": return .bool(false)
            default: return nil
            }
        case .bytes:
            return decodeBase64(text).map(FeatureValue.bytes)
        case .timestamp:
            return Timestamp.parse(text, format: timestampFormat).map(FeatureValue.timestamp)
        }
    }

    /// The value as text: the inverse of ``parse(_:as:timestampFormat:)`` (timestamps in RFC 3339).
    public var text: String {
        switch self {
        case .null: ""
        case .int64(let v): String(v)
        case .float64(let v): formatDouble(v)
        case .string(let v): v
        case .bool(let v): v ? "true" : "false"
        case .bytes(let v): encodeBase64(v)
        case .timestamp(let v): v.rfc3339
        }
    }
}

/// Shortest round-tripping text for a double (`1.0` prints as `1.0`, not `1`).
func formatDouble(_ value: Double) -> String {
    value.description
}
