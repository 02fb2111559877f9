/// The partial result of one aggregation function over some events: built by adding events,
/// combined by merging (tiles, edge fragments), and read with ``result(inputType:)``.
///
/// Null values are skipped by every function (as SQL aggregates do). Sums of floats are
/// compensated (Neumaier) and `stddev` keeps (count, mean, M2) merged with Chan's formula, so
/// merging many tiles stays within 1e-9 of summing the events one by one.
public struct AggregateState: Hashable, Sendable {
    public let function: AggregationFunction
    /// Non-null values added.
    public internal(set) var count: Int64 = 0
    var integerSum: Int64 = 0
    var sum: Double = 0
    var compensation: Double = 0
    var mean: Double = 0
    var m2: Double = 0
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
            case .int64(let v): integerSum &+= v
            case .float64(let v): addCompensated(v)
            default: break
            }
        case .stddev:
            let x = value.numeric
            let delta = x - mean
            mean += delta / Double(count)
            m2 += delta * (x - mean)
        case .min:
            if extreme.map({ value.isOrdered(before: $0) }) ?? true { extreme = value }
        case .max:
            if extreme.map({ $0.isOrdered(before: value) }) ?? true { extreme = value }
        case .last:
            if (time, created) >= (lastTime, lastCreated) {
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
        let total = count + other.count
        switch function {
        case .count:
            break
        case .sum, .avg:
            integerSum &+= other.integerSum
            addCompensated(other.sum)
            compensation += other.compensation
        case .stddev:
            let delta = other.mean - mean
            let n = Double(total)
            m2 += other.m2 + delta * delta * Double(count) * Double(other.count) / n
            mean += delta * Double(other.count) / n
        case .min:
            if let value = other.extreme, extreme.map({ value.isOrdered(before: $0) }) ?? true { extreme = value }
        case .max:
            if let value = other.extreme, extreme.map({ $0.isOrdered(before: value) }) ?? true { extreme = value }
        case .last:
            if (other.lastTime, other.lastCreated) >= (lastTime, lastCreated) {
                lastTime = other.lastTime
                lastCreated = other.lastCreated
                lastValue = other.lastValue
            }
        case .countDistinct:
            distinct.formUnion(other.distinct)
        }
        count = total
    }

    /// The aggregate's value over a column of `inputType`: count 0 and sum 0 for an empty window,
    /// null for the other functions.
    public func result(inputType: ValueType) -> FeatureValue {
        switch function {
        case .count:
            return .int64(count)
        case .sum:
            return inputType == .int64 ? .int64(integerSum) : .float64(sum + compensation)
        case .avg:
            guard count > 0 else { return .null }
            return .float64(
                inputType == .int64 ? Double(integerSum) / Double(count) : (sum + compensation) / Double(count))
        case .stddev:
            guard count > 1 else { return .null }
            return .float64((Swift.max(0, m2) / Double(count - 1)).squareRoot())
        case .min, .max:
            return extreme ?? .null
        case .last:
            return lastValue ?? .null
        case .countDistinct:
            return .int64(Int64(distinct.count))
        }
    }

    /// Neumaier's compensated addition.
    private mutating func addCompensated(_ value: Double) {
        let total = sum + value
        if abs(sum) >= abs(value) {
            compensation += (sum - total) + value
        } else {
            compensation += (value - total) + sum
        }
        sum = total
    }
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

    /// The order `min` and `max` use: numbers by value, timestamps by time, strings by bytes.
    public func isOrdered(before other: FeatureValue) -> Bool {
        switch (self, other) {
        case (.int64(let a), .int64(let b)): a < b
        case (.float64(let a), .float64(let b)): a < b
        case (.timestamp(let a), .timestamp(let b)): a < b
        case (.string(let a), .string(let b)): Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8))
        case (.bool(let a), .bool(let b)): !a && b
        default: numeric < other.numeric
        }
    }
}
