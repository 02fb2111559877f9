/// A double-double number (an unevaluated sum `high + low`): about 32 significant digits, so
/// prefix sums of doubles subtract without losing the small window sums among large totals.
public struct DoubleDouble: Hashable, Sendable {
    public var high: Double
    public var low: Double

    public init(_ value: Double = 0) {
        high = value
        low = 0
    }

    init(high: Double, low: Double) {
        self.high = high
        self.low = low
    }

    /// Knuth's two-sum: `a + b` exactly as a double-double.
    @inline(__always)
    static func twoSum(_ a: Double, _ b: Double) -> DoubleDouble {
        let s = a + b
        let v = s - a
        let e = (a - (s - v)) + (b - v)
        return DoubleDouble(high: s, low: e)
    }

    public static func + (lhs: DoubleDouble, rhs: DoubleDouble) -> DoubleDouble {
        var s = twoSum(lhs.high, rhs.high)
        s.low += lhs.low + rhs.low
        return twoSum(s.high, s.low)
    }

    public static func - (lhs: DoubleDouble, rhs: DoubleDouble) -> DoubleDouble {
        lhs + DoubleDouble(high: -rhs.high, low: -rhs.low)
    }

    public var value: Double { high + low }
}
