/// A function applied to the events of a sliding window.
public enum AggregationFunction: String, Codable, Sendable, CaseIterable {
    case count, sum, avg, min, max, stddev, last
    case countDistinct = "count_distinct"

    public static var allNames: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The column types the function accepts.
    public var acceptedTypes: Set<ValueType> {
        switch self {
        case .count, .last, .countDistinct: Set(ValueType.allCases)
        case .sum, .avg, .stddev: [.int64, .float64]
        case .min, .max: [.int64, .float64, .timestamp, .string]
        }
    }

    /// The type of the result over a column of `input`.
    public func outputType(for input: ValueType) -> ValueType {
        switch self {
        case .count, .countDistinct: .int64
        case .avg, .stddev: .float64
        case .sum, .min, .max, .last: input
        }
    }
}

/// One windowed aggregate: `function` over `column` for events in the last `window`.
public struct Aggregation: Codable, Hashable, Sendable {
    public var column: String
    public var function: AggregationFunction
    public var window: TimeSpan
    /// The feature name it is served under.
    public var name: String
    /// The type of `column` in the source (filled in from the source schema at load time).
    public var inputType: ValueType

    public init(column: String, function: AggregationFunction, window: TimeSpan, name: String, inputType: ValueType) {
        self.column = column
        self.function = function
        self.window = window
        self.name = name
        self.inputType = inputType
    }

    enum CodingKeys: String, CodingKey {
        case column, function, window, name
        case inputType = "input_type"
    }

    public var outputType: ValueType { function.outputType(for: inputType) }
}
