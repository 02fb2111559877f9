/// The type of a column or feature value, as written in the feature repo (`int64`, `float64`, ...).
public enum ValueType: String, Codable, Sendable, CaseIterable, Hashable {
    case int64
    case float64
    case string
    case bool
    case bytes
    case timestamp

    /// The names accepted in YAML, for error messages.
    public static var allNames: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Whether the type is numeric (int64 or float64).
    public var isNumeric: Bool { self == .int64 || self == .float64 }
}
