/// A point in time: integer microseconds since the Unix epoch, UTC.
///
/// Every timestamp in fs, offline and online, is one of these, so comparisons are exact.
public struct Timestamp: Hashable, Comparable, Sendable, Codable {
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }

    public init(seconds: Int64) { self.microseconds = seconds * 1_000_000 }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.microseconds < rhs.microseconds }

    public static func + (lhs: Timestamp, rhs: TimeSpan) -> Timestamp {
        Timestamp(microseconds: lhs.microseconds + rhs.microseconds)
    }

    public static func - (lhs: Timestamp, rhs: TimeSpan) -> Timestamp {
        Timestamp(microseconds: lhs.microseconds - rhs.microseconds)
    }

    public static let min = Timestamp(microseconds: .min)
    /// 0001-01-01T00:00:00Z: the start of "all history", printable unlike ``min``.
    public static let distantPast = Timestamp(seconds: -62_135_596_800)
    public static let max = Timestamp(microseconds: .max)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self), let value = Timestamp.parse(text[...]) {
            self = value
        } else {
            self.microseconds = try container.decode(Int64.self)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rfc3339)
    }
}

extension Timestamp: CustomStringConvertible {
    public var description: String { rfc3339 }
}

/// How a source file writes its timestamps.
public enum TimestampFormat: String, Codable, Sendable, CaseIterable {
    /// RFC 3339 / ISO 8601 with `Z` or an offset, optional fractional seconds.
    case iso8601
    /// Seconds since the epoch (an integer or a decimal).
    case epochSeconds = "epoch_s"
    /// Milliseconds since the epoch.
    case epochMilliseconds = "epoch_ms"
}
