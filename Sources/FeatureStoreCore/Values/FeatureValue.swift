/// One feature value, or null.
public enum FeatureValue: Hashable, Sendable {
    case null
    case int64(Int64)
    case float64(Double)
    case string(String)
    case bool(Bool)
    case bytes([UInt8])
    case timestamp(Timestamp)

    /// The type of the value, or `nil` for null.
    public var type: ValueType? {
        switch self {
        case .null: nil
        case .int64: .int64
        case .float64: .float64
        case .string: .string
        case .bool: .bool
        case .bytes: .bytes
        case .timestamp: .timestamp
        }
    }

    public var isNull: Bool { if case .null = self { true } else { false } }
}
