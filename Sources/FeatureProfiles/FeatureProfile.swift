import FeatureStoreCore

/// How a feature's values are profiled.
public enum ProfileKind: String, Sendable, Codable {
    /// `int64`, `float64` and `timestamp` (microseconds): moments, extremes, quantiles, distinct count.
    case numeric
    /// `string`, `bool` and `bytes`: the most frequent values and a distinct count.
    case categorical
}

extension ValueType {
    /// How values of this type are profiled.
    public var profileKind: ProfileKind {
        switch self {
        case .int64, .float64, .timestamp: .numeric
        case .string, .bool, .bytes: .categorical
        }
    }
}

/// The profile of one feature's values over some stretch of data: mergeable, so hourly profiles
/// merge into days and windows, and profiles computed apart merge into the profile of the union.
///
/// Every value is counted in ``count``; nulls in ``nulls``; numbers that are NaN or infinite (and
/// values of another kind than the profile's type, which fs's typed paths never produce) in
/// ``invalid``, and nowhere else. The rest are ``valueCount``: their mean and variance (Welford's
/// update, Chan's merge, via ``Variance``), extremes, a quantile sketch (``QuantileSketch``, KLL:
/// rank error ≤ 1.65%), a distinct count (``DistinctCountSketch``, HyperLogLog: ≈ 1.63%) and for
/// categorical types the most frequent values (``FrequentItems``, Misra-Gries, k = 64).
public struct FeatureProfile: Sendable, Equatable {
    public let type: ValueType
    /// Every value seen, nulls and invalid values included.
    public private(set) var count: Int64 = 0
    public private(set) var nulls: Int64 = 0
    /// NaN and infinite numbers (not in the moments or sketches).
    public private(set) var invalid: Int64 = 0
    var moments = Variance()
    /// The smallest and largest number (numeric types), as doubles.
    public private(set) var minimum: Double = .infinity
    public private(set) var maximum: Double = -.infinity
    /// The exact extremes of `int64` and `timestamp` values.
    public private(set) var integerMinimum: Int64 = .max
    public private(set) var integerMaximum: Int64 = .min
    public private(set) var quantiles: QuantileSketch
    public private(set) var distinct: DistinctCountSketch
    public private(set) var frequent: FrequentItems

    public init(type: ValueType) {
        self.type = type
        quantiles = QuantileSketch()
        distinct = DistinctCountSketch()
        frequent = FrequentItems()
    }

    /// Restores a decoded profile (``FeatureProfile/init(decoding:)`` checks the parts first).
    init(
        type: ValueType, count: Int64, nulls: Int64, invalid: Int64, moments: Variance, minimum: Double,
        maximum: Double, integerMinimum: Int64, integerMaximum: Int64, quantiles: QuantileSketch,
        distinct: DistinctCountSketch, frequent: FrequentItems
    ) {
        self.type = type
        self.count = count
        self.nulls = nulls
        self.invalid = invalid
        self.moments = moments
        self.minimum = minimum
        self.maximum = maximum
        self.integerMinimum = integerMinimum
        self.integerMaximum = integerMaximum
        self.quantiles = quantiles
        self.distinct = distinct
        self.frequent = frequent
    }

    public var kind: ProfileKind { type.profileKind }

    /// Values that are neither null nor invalid: what the moments and sketches describe.
    public var valueCount: Int64 { count - nulls - invalid }

    /// The share of nulls among all values (0 when there are none).
    public var nullRatio: Double { count == 0 ? 0 : Double(nulls) / Double(count) }

    // MARK: Adding values

    /// Counts a null.
    @inline(__always)
    public mutating func addNull() {
        count += 1
        nulls += 1
    }

    /// Adds a float64 value (NaN and infinities count as invalid).
    @inline(__always)
    public mutating func add(_ value: Double) {
        count += 1
        guard value.isFinite, kind == .numeric else {
            invalid += 1
            return
        }
        addNumber(value, hash: ValueHash.double(value))
    }

    /// Adds an int64 value, or a timestamp in microseconds.
    @inline(__always)
    public mutating func add(integer value: Int64) {
        count += 1
        guard kind == .numeric else {
            invalid += 1
            return
        }
        if value < integerMinimum { integerMinimum = value }
        if value > integerMaximum { integerMaximum = value }
        addNumber(Double(value), hash: ValueHash.integer(value))
    }

    @inline(__always)
    private mutating func addNumber(_ value: Double, hash: UInt64) {
        moments.add(value, count: count - nulls - invalid)
        if value < minimum { minimum = value }
        if value > maximum { maximum = value }
        quantiles.add(value)
        distinct.add(hash: hash)
    }

    /// Adds a string value (or bytes) by its UTF-8 bytes.
    @inline(__always)
    public mutating func add(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        count += 1
        guard kind == .categorical else {
            invalid += 1
            return
        }
        let hash = ValueHash.bytes(bytes)
        distinct.add(hash: hash)
        frequent.add(hash: hash) { FrequentItems.label(utf8: bytes, hash: hash) }
    }

    /// Adds a bool value.
    public mutating func add(bool value: Bool) {
        count += 1
        guard kind == .categorical else {
            invalid += 1
            return
        }
        let hash = ValueHash.bool(value)
        distinct.add(hash: hash)
        frequent.add(hash: hash) { value ? "true" : "false" }
    }

    /// Adds any value: numbers to a numeric profile, text, bools and bytes (as base64 text) to a
    /// categorical one; a value of the other kind counts as invalid.
    public mutating func add(_ value: FeatureValue) {
        switch value {
        case .null: addNull()
        case .float64(let v): add(v)
        case .int64(let v): add(integer: v)
        case .timestamp(let v): add(integer: v.microseconds)
        case .bool(let v): add(bool: v)
        case .string(let v):
            var text = v
            text.withUTF8 { add(utf8: $0) }
        case .bytes(let v):
            var text = encodeBase64(v)
            text.withUTF8 { add(utf8: $0) }
        }
    }

    // MARK: Merging

    /// Merges `other` (a profile of the same type) into this one.
    ///
    /// - Throws: ``FeatureStoreError`` (`conflict`) when the types differ.
    public mutating func merge(_ other: FeatureProfile) throws {
        guard other.type == type else {
            throw FeatureStoreError(
                .conflict, "cannot merge a profile of \(other.type.rawValue) values into one of \(type.rawValue) values"
            )
        }
        let values = valueCount
        let otherValues = other.valueCount
        count = Self.add(count, other.count)
        nulls = Self.add(nulls, other.nulls)
        invalid = Self.add(invalid, other.invalid)
        if otherValues > 0 {
            if values == 0 {
                moments = other.moments
            } else {
                moments.merge(other.moments, count: values, otherCount: otherValues)
            }
        }
        minimum = Swift.min(minimum, other.minimum)
        maximum = Swift.max(maximum, other.maximum)
        integerMinimum = Swift.min(integerMinimum, other.integerMinimum)
        integerMaximum = Swift.max(integerMaximum, other.integerMaximum)
        quantiles.merge(other.quantiles)
        distinct.merge(other.distinct)
        frequent.merge(other.frequent)
    }

    /// This profile followed by `later` (the next bucket of the same series): the two merged when
    /// they hold values of one type; otherwise `later` alone, since the feature's type changed and
    /// the later values describe it. The one rule for combining stored profiles on every store.
    public func combined(with later: FeatureProfile) throws -> FeatureProfile {
        guard later.type == type else { return later }
        var merged = self
        try merged.merge(later)
        return merged
    }

    /// Counts never wrap: a sum beyond Int64 (not reachable with real data) stays at the maximum.
    private static func add(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }

    // MARK: Reading

    /// The mean of the values; `nil` without values or for a categorical profile.
    public var mean: Double? {
        guard kind == .numeric, valueCount > 0 else { return nil }
        // Variance keeps the mean scaled by 2^-576 once a value beyond 2^448 arrived.
        return moments.isScaled ? moments.mean * 0x1p576 : moments.mean
    }

    /// The sample variance (n - 1 in the denominator); `nil` below two values or for a categorical profile.
    public var variance: Double? {
        standardDeviation.map { $0 * $0 }
    }

    /// The sample standard deviation; `nil` below two values or for a categorical profile.
    public var standardDeviation: Double? {
        guard kind == .numeric, valueCount > 1 else { return nil }
        return moments.standardDeviation(count: valueCount)
    }

    /// The value at `fraction` (0...1) of the sorted values, within the sketch's rank error; the
    /// exact extremes at 0 and 1. `nil` without values or for a categorical profile.
    public func quantile(_ fraction: Double) -> Double? {
        guard kind == .numeric, valueCount > 0, let value = quantiles.quantile(fraction) else { return nil }
        if fraction <= 0 { return minimum }
        if fraction >= 1 { return maximum }
        return Swift.min(Swift.max(value, minimum), maximum)
    }

    /// The estimated number of distinct values.
    public var distinctEstimate: Double { distinct.estimate }
}
