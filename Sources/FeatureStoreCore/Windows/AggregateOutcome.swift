/// The value of an aggregate, or why it has none: the one rule training sets and the online store
/// share for results their type cannot hold.
///
/// Sums of int64 are exact (128-bit), so `avg` of int64 never overflows; a `sum` whose exact value
/// is beyond int64 has no value. Float sums never overflow on the way (``FloatSum``), so a float64
/// `sum` (or `stddev`) has no value exactly when the result is beyond ±1.8e308. Nothing wraps
/// or saturates: a training set fails with an error naming the view, feature, entity and time, and
/// an online read serves null (`NULL_VALUE`) and counts it.
public enum AggregateOutcome: Hashable, Sendable {
    case value(FeatureValue)
    /// The exact result is beyond the output type; the text says how (for messages).
    case outOfRange(String)

    /// The value, or null when out of range.
    public var value: FeatureValue {
        if case .value(let value) = self { return value }
        return .null
    }

    /// An int64 sum, computed exactly.
    public static func sum(_ exact: Int128) -> AggregateOutcome {
        guard let value = Int64(exactly: exact) else {
            return .outOfRange(
                "the int64 sum is \(exact), beyond the int64 range [\(Int64.min), \(Int64.max)]")
        }
        return .value(.int64(value))
    }

    /// A float64 sum.
    public static func sum(_ sum: FloatSum) -> AggregateOutcome {
        float(sum.value, "the float64 sum")
    }

    /// The mean of `count` int64 values with an exact sum.
    public static func average(_ exact: Int128, count: Int64) -> AggregateOutcome {
        count > 0 ? .value(.float64(Double(exact) / Double(count))) : .value(.null)
    }

    /// The mean of `count` float64 values.
    public static func average(_ sum: FloatSum, count: Int64) -> AggregateOutcome {
        count > 0 ? float(sum.mean(count: count), "the float64 average") : .value(.null)
    }

    /// A float64 result: out of range when not finite.
    static func float(_ value: Double, _ what: String) -> AggregateOutcome {
        if value.isFinite { return .value(.float64(value)) }
        return .outOfRange(
            value.isNaN
                ? "\(what) is not a number" : "\(what) is beyond the float64 range (±\(Double.greatestFiniteMagnitude))"
        )
    }
}
