import FeatureStoreCore

/// A number of a profile as its feature's type reads: an exact integer (int64), a double
/// (float64) or a time (timestamp, RFC 3339 in JSON).
public enum SummaryNumber: Sendable, Equatable, Codable, CustomStringConvertible {
    case integer(Int64)
    case double(Double)
    case time(Timestamp)

    /// `value` (a double of the profile) as a number of `type`.
    static func of(_ value: Double, type: ValueType) -> SummaryNumber {
        switch type {
        case .int64:
            if let exact = Int64(exactly: value.rounded()) { return .integer(exact) }
            return .double(value)
        case .timestamp:
            if let exact = Int64(exactly: value.rounded()) { return .time(Timestamp(microseconds: exact)) }
            return .double(value)
        default:
            return .double(value)
        }
    }

    public var description: String {
        switch self {
        case .integer(let value): "\(value)"
        case .double(let value): value.description
        case .time(let value): value.rfc3339
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let integer = try? container.decode(Int64.self) {
            self = .integer(integer)
        } else if let double = try? container.decode(Double.self) {
            self = .double(double)
        } else {
            self = .time(try container.decode(Timestamp.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .integer(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .time(let value): try container.encode(value)
        }
    }
}

/// What a profile says, in plain figures: what `fs stats` prints and the server will answer.
public struct ProfileSummary: Sendable, Equatable, Codable {
    /// One of the most frequent values of a categorical feature.
    public struct TopValue: Sendable, Equatable, Codable {
        public var value: String
        /// At most ``ProfileSummary/topErrorBound`` below the true count.
        public var count: Int64
        /// The count over the non-null values.
        public var share: Double
    }

    public var type: ValueType
    public var count: Int64
    public var nulls: Int64
    public var invalid: Int64
    public var nullRatio: Double
    /// The estimated number of distinct values (HyperLogLog, ≈ 1.63% relative error), at most the
    /// number of non-null valid values.
    public var distinct: Int64
    public var minimum: SummaryNumber?
    public var maximum: SummaryNumber?
    public var mean: Double?
    public var standardDeviation: Double?
    /// Quantiles by name (`p50`), within the sketch's rank error (1.65%).
    public var quantiles: [String: SummaryNumber]?
    public var top: [TopValue]?
    /// How far below its true count a top value's count may be.
    public var topErrorBound: Double?

    /// The quantiles reported, by name.
    public static let quantilePoints: [(name: String, fraction: Double)] = [
        ("p1", 0.01), ("p5", 0.05), ("p10", 0.1), ("p25", 0.25), ("p50", 0.5), ("p75", 0.75), ("p90", 0.9),
        ("p95", 0.95), ("p99", 0.99),
    ]
    /// The most frequent values reported.
    public static let topLimit = 10

    enum CodingKeys: String, CodingKey {
        case type, count, nulls, invalid
        case nullRatio = "null_ratio"
        case distinct, minimum, maximum, mean
        case standardDeviation = "stddev"
        case quantiles, top
        case topErrorBound = "top_error_bound"
    }

    public init(_ profile: FeatureProfile) {
        type = profile.type
        count = profile.count
        nulls = profile.nulls
        invalid = profile.invalid
        nullRatio = profile.nullRatio
        // The estimate can exceed the number of values (by its error); there cannot be more
        // distinct values than values.
        distinct = min(Int64(profile.distinctEstimate.rounded()), profile.valueCount)
        guard profile.valueCount > 0 else { return }
        switch profile.kind {
        case .numeric:
            switch profile.type {
            case .int64:
                minimum = .integer(profile.integerMinimum)
                maximum = .integer(profile.integerMaximum)
            case .timestamp:
                minimum = .time(Timestamp(microseconds: profile.integerMinimum))
                maximum = .time(Timestamp(microseconds: profile.integerMaximum))
            default:
                minimum = .double(profile.minimum)
                maximum = .double(profile.maximum)
            }
            mean = profile.mean
            standardDeviation = profile.standardDeviation
            var points: [String: SummaryNumber] = [:]
            let view = profile.quantiles.sortedView()
            for (name, fraction) in Self.quantilePoints {
                let value = min(max(view.quantile(fraction), profile.minimum), profile.maximum)
                points[name] = .of(value, type: profile.type)
            }
            quantiles = points
        case .categorical:
            var summary = profile.frequent
            summary.reduce()
            let values = Double(profile.valueCount)
            top = summary.items.prefix(Self.topLimit).map {
                TopValue(value: $0.label, count: $0.count, share: Double($0.count) / values)
            }
            topErrorBound = summary.errorBound
        }
    }
}
