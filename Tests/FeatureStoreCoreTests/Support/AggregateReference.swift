import FeatureStoreCore

/// The brute-force definition of every aggregate over the values of one window, following the
/// rules training sets and the online store share (``AggregateState``, ``AggregateOutcome``): int64
/// sums exact and out of range beyond int64; float results out of range beyond float64; `min` and
/// `max` in the total order of ``FeatureValue/isOrdered(before:)``; `last` the latest (time,
/// created), ties to the greatest value.
enum AggregateReference {
    struct Event {
        var value: FeatureValue
        var time: Int64
        var created: Int64
    }

    /// `nil` when the result is out of range.
    static func outcome(_ function: AggregationFunction, _ events: [Event], inputType: ValueType) -> FeatureValue? {
        let present = events.filter { !$0.value.isNull }
        let values = present.map(\.value)
        switch function {
        case .count:
            return .int64(Int64(values.count))
        case .sum:
            if inputType == .int64 {
                return Int64(exactly: exactIntegerSum(values)).map(FeatureValue.int64)
            }
            return finite(exactSum(values.map(\.numeric)))
        case .avg:
            guard !values.isEmpty else { return .null }
            if inputType == .int64 { return .float64(Double(exactIntegerSum(values)) / Double(values.count)) }
            return finite(meanOf(values.map(\.numeric)))
        case .stddev:
            guard values.count > 1 else { return .null }
            return finite(standardDeviation(values.map(\.numeric)))
        case .min:
            return values.min { $0.isOrdered(before: $1) } ?? .null
        case .max:
            return values.max { $0.isOrdered(before: $1) } ?? .null
        case .last:
            return present.max { a, b in
                (a.time, a.created) != (b.time, b.created)
                    ? (a.time, a.created) < (b.time, b.created) : a.value.isOrdered(before: b.value)
            }?.value ?? .null
        case .countDistinct:
            return .int64(Int64(Set(values).count))
        }
    }

    static func finite(_ value: Double) -> FeatureValue? { value.isFinite ? .float64(value) : nil }

    static func exactIntegerSum(_ values: [FeatureValue]) -> Int128 {
        values.reduce(Int128(0)) { sum, value in if case .int64(let v) = value { sum + Int128(v) } else { sum } }
    }

    /// The sum of finite doubles, exactly rounded but for the last step (Shewchuk's partials, as
    /// Python's `math.fsum`), scaled by 2^-64 when a value is huge so no partial overflows.
    static func exactSum(_ values: [Double]) -> Double {
        let huge = values.contains { $0.magnitude >= 0x1p959 }
        var partials: [Double] = []
        for value in values {
            var x = huge ? value * 0x1p-64 : value
            var kept: [Double] = []
            for partial in partials {
                var y = partial
                if abs(x) < abs(y) { swap(&x, &y) }
                let high = x + y
                let low = y - (high - x)
                if low != 0 { kept.append(low) }
                x = high
            }
            partials = kept + [x]
        }
        let total = partials.reversed().reduce(0, +)
        return huge ? total * 0x1p64 : total
    }

    static func meanOf(_ values: [Double]) -> Double {
        let huge = values.contains { $0.magnitude >= 0x1p959 }
        let sum = exactSum(values.map { huge ? $0 * 0x1p-64 : $0 })
        return huge ? sum / Double(values.count) * 0x1p64 : sum / Double(values.count)
    }

    /// Two passes over the values, scaled by 2^-576 when one is large enough for a square to overflow.
    static func standardDeviation(_ values: [Double]) -> Double {
        let scaled = values.contains { $0.magnitude >= 0x1p448 }
        let xs = values.map { scaled ? $0 * 0x1p-576 : $0 }
        let mean = exactSum(xs) / Double(xs.count)
        let squares = exactSum(xs.map { ($0 - mean) * ($0 - mean) })
        let deviation = (squares / Double(xs.count - 1)).squareRoot()
        return scaled ? deviation * 0x1p576 : deviation
    }

    /// Whether `actual` agrees with the reference `expected` (`nil`: out of range): exactly, but for
    /// float rounding, allowed in proportion to the magnitudes involved.
    static func agrees(
        _ actual: AggregateOutcome, _ expected: FeatureValue?, function: AggregationFunction, values: [FeatureValue]
    ) -> Bool {
        guard let expected else {
            if case .outOfRange = actual { return true }
            return false
        }
        guard case .value(let value) = actual else { return false }
        if case .float64(let x) = value, case .float64(let y) = expected, function != .min, function != .max,
            function != .last
        {
            // Sums in double-double are exact to about 2^-100 of the magnitudes summed (more than
            // the result when values cancel); stddev loses more when the values are nearly equal.
            let magnitudes = values.reduce(0.0) { $0 + $1.numeric.magnitude }  // may be inf
            let largest = values.reduce(0.0) { max($0, $1.numeric.magnitude) }
            var allowed = 1e-9 * max(1, abs(x), abs(y))
            switch function {
            case .sum: allowed += 0x1p-80 * magnitudes
            case .avg: allowed += 0x1p-80 * magnitudes / Double(values.count)
            case .stddev: allowed += 1e-12 * largest
            default: break
            }
            return x.isFinite && (x - y).magnitude <= allowed
        }
        return value == expected && (value.isFloat64NegativeZero == expected.isFloat64NegativeZero)
    }
}

extension FeatureValue {
    /// `-0.0` (told apart from `0.0`, which `==` is not).
    var isFloat64NegativeZero: Bool {
        if case .float64(let v) = self { return v == 0 && v.sign == .minus }
        return false
    }
}
