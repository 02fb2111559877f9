/// A sum of float64 values, shared by training sets and the online store, that overflows only when
/// the sum itself is beyond float64 and whose rounding does not depend on the order of the values
/// beyond a few units in the 30th digit.
///
/// The total is a ``DoubleDouble`` (about 32 significant digits). Values of magnitude below 2^959
/// are added as they are, so fewer than 2^64 of them cannot overflow; once a larger value arrives,
/// every value is added scaled by 2^-64 (exact but for subnormal results, which are negligible
/// beside such a value), so no partial sum overflows, and ``value`` scales back: it is ±infinity
/// exactly when the sum is beyond ±1.8e308.
public struct FloatSum: Hashable, Sendable {
    public private(set) var total = DoubleDouble()
    /// Whether ``total`` holds the values times 2^-64.
    public private(set) var isScaled = false

    static let threshold: Double = 0x1p959
    static let down: Double = 0x1p-64
    static let up: Double = 0x1p64

    public init() {}

    /// A sum of values of which some may be large: scaled from the start.
    public init(scaled: Bool) { isScaled = scaled }

    init(total: DoubleDouble, isScaled: Bool) {
        self.total = total
        self.isScaled = isScaled
    }

    /// Whether a sum holding `value` works scaled.
    @inline(__always)
    public static func needsScaling(_ value: Double) -> Bool { !(value.magnitude < threshold) }

    @inline(__always)
    public mutating func add(_ value: Double) {
        if !isScaled, Self.needsScaling(value) { scale() }
        total = total + DoubleDouble(isScaled ? value * Self.down : value)
    }

    /// Adds the values summed by `other`.
    public mutating func merge(_ other: FloatSum) {
        var other = other
        if other.isScaled, !isScaled { scale() }
        if isScaled, !other.isScaled { other.scale() }
        total = total + other.total
    }

    public static func + (lhs: FloatSum, rhs: FloatSum) -> FloatSum {
        var sum = lhs
        sum.merge(rhs)
        return sum
    }

    private mutating func scale() {
        // Multiplying by a power of two is exact for normal numbers.
        total = DoubleDouble(high: total.high * Self.down, low: total.low * Self.down)
        isScaled = true
    }

    /// The sum, rounded to float64: infinite when beyond ±1.8e308.
    public var value: Double { isScaled ? total.value * Self.up : total.value }

    /// The sum divided by `count` (never larger in magnitude than the largest value).
    public func mean(count: Int64) -> Double {
        let mean = total.value / Double(count)
        return isScaled ? mean * Self.up : mean
    }
}
