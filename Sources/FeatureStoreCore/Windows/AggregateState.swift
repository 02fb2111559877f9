/// The partial result of one aggregation function over some events: built by adding events,
/// combined by merging (tiles, edge fragments), and read with ``outcome(inputType:)``.
///
/// The result never depends on the order events are added or partials merged (beyond float
/// rounding): null values are skipped by every function (as SQL aggregates do); int64 sums are
/// exact (128-bit); float sums are double-double (``FloatSum``) and `stddev` keeps (count, mean,
/// M2) merged with Chan's formula (``Variance``), neither overflowing on the way; `min` and `max`
/// use the total order of ``FeatureValue/isOrdered(before:)`` (so `-0.0` and `0.0` are told apart);
/// `last` takes the latest (event time, created time) and, among events tied on both, the greatest
/// value. Results beyond their type are ``AggregateOutcome/outOfRange(_:)``.
///
/// Aggregates take finite numbers only: the online store and training sets refuse NaN and ±inf
/// before they reach a state (``FeatureValue/nonFiniteNumber``). A state given one anyway does not
/// trap: its sum becomes out of range.
public struct AggregateState: Hashable, Sendable {
    public let function: AggregationFunction
    /// Non-null values added.
    public internal(set) var count: Int64 = 0
    var integerSum: Int128 = 0
    var floatSum = FloatSum()
    var variance = Variance()
    var extreme: FeatureValue?
    var lastTime: Int64 = .min
    var lastCreated: Int64 = .min
    var lastValue: FeatureValue?
    var distinct: Set<FeatureValue> = []

    public init(function: AggregationFunction) { self.function = function }

    /// Adds one event's value.
    public mutating func add(_ value: FeatureValue, time: Int64, created: Int64) {
        if value.isNull { return }
        count += 1
        switch function {
        case .count:
            break
        case .sum, .avg:
            switch value {
            case .int64(let v): integerSum += Int128(v)
            case .float64(let v): floatSum.add(v)
            default: break
            }
        case .stddev:
            variance.add(value.numeric, count: count)
        case .min:
            if extreme.map({ value.isOrdered(before: $0) }) ?? true { extreme = value }
        case .max:
            if extreme.map({ $0.isOrdered(before: value) }) ?? true { extreme = value }
        case .last:
            if Self.isLater(time, created, value, than: lastTime, lastCreated, lastValue) {
                lastTime = time
                lastCreated = created
                lastValue = value
            }
        case .countDistinct:
            distinct.insert(value)
        }
    }

    /// Combines another partial of the same function (over other events) into this one.
    public mutating func merge(_ other: AggregateState) {
        guard other.count > 0 else { return }
        guard count > 0 else {
            self = other
            return
        }
        switch function {
        case .count:
            break
        case .sum, .avg:
            integerSum += other.integerSum
            floatSum.merge(other.floatSum)
        case .stddev:
            variance.merge(other.variance, count: count, otherCount: other.count)
        case .min:
            if let value = other.extreme, extreme.map({ value.isOrdered(before: $0) }) ?? true { extreme = value }
        case .max:
            if let value = other.extreme, extreme.map({ $0.isOrdered(before: value) }) ?? true { extreme = value }
        case .last:
            if let value = other.lastValue,
                Self.isLater(other.lastTime, other.lastCreated, value, than: lastTime, lastCreated, lastValue)
            {
                lastTime = other.lastTime
                lastCreated = other.lastCreated
                lastValue = value
            }
        case .countDistinct:
            distinct.formUnion(other.distinct)
        }
        count += other.count
    }

    /// Whether the value of (time, created) replaces the current last value: a later event time,
    /// then a later created time, then (a full tie) the greater value, so the order of arrival
    /// never matters.
    @inline(__always)
    static func isLater(
        _ time: Int64, _ created: Int64, _ value: FeatureValue, than lastTime: Int64, _ lastCreated: Int64,
        _ lastValue: FeatureValue?
    ) -> Bool {
        if (time, created) != (lastTime, lastCreated) { return (time, created) > (lastTime, lastCreated) }
        return lastValue.map { $0.isOrdered(before: value) } ?? true
    }

    /// The function whose partial state holds `function`'s: `avg` is kept as a `sum` (the same
    /// count and sums), so a view with both stores one partial.
    public static func partialFunction(for function: AggregationFunction) -> AggregationFunction {
        function == .avg ? .sum : function
    }

    /// The aggregate's value over a column of `inputType`: count 0 and sum 0 for an empty window,
    /// null for the other functions; out of range when the exact result is beyond its type.
    public func outcome(inputType: ValueType) -> AggregateOutcome { outcome(as: function, inputType: inputType) }

    /// The value of `function` (this state's own, or one whose ``partialFunction(for:)`` it is:
    /// `avg` from a `sum` partial).
    public func outcome(as function: AggregationFunction, inputType: ValueType) -> AggregateOutcome {
        switch function {
        case .count:
            return .value(.int64(count))
        case .sum:
            return inputType == .int64 ? .sum(integerSum) : .sum(floatSum)
        case .avg:
            return inputType == .int64 ? .average(integerSum, count: count) : .average(floatSum, count: count)
        case .stddev:
            guard count > 1 else { return .value(.null) }
            return .float(variance.standardDeviation(count: count), "the float64 standard deviation")
        case .min, .max:
            return .value(extreme ?? .null)
        case .last:
            return .value(lastValue ?? .null)
        case .countDistinct:
            return .value(.int64(Int64(distinct.count)))
        }
    }

    /// ``outcome(inputType:)``'s value; null when out of range.
    public func result(inputType: ValueType) -> FeatureValue { outcome(inputType: inputType).value }
}

extension FeatureValue {
    /// The value as a Double (for numeric aggregates); 0 for other types.
    public var numeric: Double {
        switch self {
        case .int64(let v): Double(v)
        case .float64(let v): v
        case .timestamp(let v): Double(v.microseconds)
        case .bool(let v): v ? 1 : 0
        default: 0
        }
    }

    /// Whether this is a float64 NaN or ±infinity, which aggregates refuse.
    public var nonFiniteNumber: Bool {
        if case .float64(let v) = self { return !v.isFinite }
        return false
    }

    /// The total order `min`, `max` and `last` use: numbers by value (with `-0.0` before `0.0`, and
    /// NaN after every number), timestamps by time, strings by bytes, `false` before `true`.
    public func isOrdered(before other: FeatureValue) -> Bool {
        switch (self, other) {
        case (.int64(let a), .int64(let b)): a < b
        case (.float64(let a), .float64(let b)): Self.totallyOrdered(a, before: b)
        case (.timestamp(let a), .timestamp(let b)): a < b
        case (.string(let a), .string(let b)): Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8))
        case (.bool(let a), .bool(let b)): !a && b
        case (.bytes(let a), .bytes(let b)): a.lexicographicallyPrecedes(b)
        default: Self.totallyOrdered(numeric, before: other.numeric)
        }
    }

    @inline(__always)
    static func totallyOrdered(_ a: Double, before b: Double) -> Bool {
        if a.isNaN { return false }
        if b.isNaN { return true }
        if a == b { return a.sign == .minus && b.sign == .plus }
        return a < b
    }
}
