/// The running mean and sum of squared deviations (M2) behind `stddev`: Welford's update for one
/// value, Chan's formula to merge two partials, so merging tiles stays within rounding of adding
/// the values one by one.
///
/// A squared deviation of values beyond about 1e154 overflows float64, so once a value of
/// magnitude 2^448 or more arrives, the mean and the values are kept scaled by 2^-576 (M2 by
/// 2^-1152): no step overflows for fewer than 2^63 values, and the result scales back. Values below
/// 2^-446 lose precision once scaled, which is negligible beside a value that large.
public struct Variance: Hashable, Sendable {
    public private(set) var mean: Double = 0
    public private(set) var m2: Double = 0
    /// Whether ``mean`` and ``m2`` are scaled.
    public private(set) var isScaled = false

    static let threshold: Double = 0x1p448
    static let down: Double = 0x1p-576
    static let up: Double = 0x1p576

    public init() {}

    /// Restores a stored partial (its parts as ``mean``, ``m2`` and ``isScaled`` give them).
    public init(mean: Double, m2: Double, isScaled: Bool) {
        self.mean = mean
        self.m2 = m2
        self.isScaled = isScaled
    }

    /// Adds `value` as the `count`-th value (count including it).
    @inline(__always)
    public mutating func add(_ value: Double, count: Int64) {
        if !isScaled, !(value.magnitude < Self.threshold) { scale() }
        let x = isScaled ? value * Self.down : value
        let delta = x - mean
        mean += delta / Double(count)
        m2 += delta * (x - mean)
    }

    /// Merges `other` (over `otherCount` values) into this partial over `count` values.
    public mutating func merge(_ other: Variance, count: Int64, otherCount: Int64) {
        var other = other
        if other.isScaled, !isScaled { scale() }
        if isScaled, !other.isScaled { other.scale() }
        let n = Double(count + otherCount)
        let delta = other.mean - mean
        // count * otherCount / n is at most the smaller count: the product cannot overflow.
        m2 += other.m2 + delta * delta * (Double(count) * Double(otherCount) / n)
        mean += delta * Double(otherCount) / n
    }

    private mutating func scale() {
        mean *= Self.down
        m2 = m2 * Self.down * Self.down  // 2^-1152 itself is below float64's range
        isScaled = true
    }

    /// The sample standard deviation of `count` values (`count` > 1): infinite when beyond float64.
    public func standardDeviation(count: Int64) -> Double {
        let deviation = (Swift.max(0, m2) / Double(count - 1)).squareRoot()
        return isScaled ? deviation * Self.up : deviation
    }
}
