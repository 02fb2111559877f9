/// A point in time: integer microseconds since the Unix epoch, UTC.
///
/// Every timestamp in fs, offline and online, is one of these, so comparisons are exact. Input is
/// read only within ``validRange`` (years 0001 to 9999); any value prints (see ``rfc3339``).
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
    public static let max = Timestamp(microseconds: .max)

    /// 0001-01-01T00:00:00Z: the first instant any input may name.
    public static let earliestValid = Timestamp(microseconds: -62_135_596_800_000_000)
    /// 9999-12-31T23:59:59.999999Z: the last instant any input may name.
    public static let latestValid = Timestamp(microseconds: 253_402_300_799_999_999)
    /// The instants fs reads from text, files, sources and requests: years 0001 to 9999.
    public static let validRange = earliestValid...latestValid
    /// 0001-01-01T00:00:00Z: the start of "all history", printable unlike ``min``.
    public static let distantPast = earliestValid

    /// Whether the instant lies in ``validRange``.
    public var isValid: Bool { Self.validRange.contains(self) }

    /// Decodes RFC 3339 text (any year ``rfc3339`` prints, so every encoded value decodes) or an
    /// integer count of microseconds.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            var copy = text
            let result = copy.withUTF8 { bytes in
                Result { () throws(TimestampParseError) in
                    try Timestamp.parseRFC3339(bytes, zoneless: .rejected, years: .anyPrintable)
                }
            }
            switch result {
            case .success(let value): self = value
            case .failure(let error):
                throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
            }
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
    /// RFC 3339 / ISO 8601 with `Z` or an offset, optional fractional seconds (to the microsecond).
    case iso8601
    /// Seconds since the epoch (an integer or a decimal with up to 6 decimals).
    case epochSeconds = "epoch_s"
    /// Milliseconds since the epoch (an integer or a decimal with up to 3 decimals).
    case epochMilliseconds = "epoch_ms"
    /// Microseconds since the epoch (an integer).
    case epochMicroseconds = "epoch_us"
}
