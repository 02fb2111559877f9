/// Why a text is not a timestamp: the value (quoted, cut for messages) and what is wrong with it.
public struct TimestampParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The value as messages show it (``Quote/value(_:)``).
    public var value: String
    /// What is wrong and how to fix it, e.g. `month 13 does not exist`.
    public var reason: String

    public init(value: String, reason: String) {
        self.value = value
        self.reason = reason
    }

    init(_ bytes: UnsafeBufferPointer<UInt8>, _ reason: String) {
        self.init(value: Quote.value(utf8: bytes), reason: reason)
    }

    /// `'2026-13-01T00:00:00Z' is not a valid timestamp: month 13 does not exist`.
    public var description: String { "\(value) is not a valid timestamp: \(reason)" }
}

extension Timestamp {
    /// How text without a zone (`2026-01-31 12:00:00`) is read.
    public enum Zoneless: Sendable {
        /// Refused: the zone cannot be guessed (files, the command line).
        case rejected
        /// Read as UTC: SQLite's own `datetime()` text in `sqlite` sources read in place.
        case utc
    }

    /// Which years a text may name.
    enum YearRange {
        /// 0001 to 9999, four digits: what every input accepts.
        case valid
        /// Also what ``rfc3339`` prints outside it (`+10000-…`, `-0001-…`): for decoding only.
        case anyPrintable
    }

    /// Parses a timestamp in `format`.
    ///
    /// `iso8601` takes `YYYY-MM-DD[T ]HH:MM:SS[.ffffff](Z|±HH:MM|±HHMM|±HH)`; digits past the
    /// microsecond must be zeros. The epoch formats take a decimal count of their unit (an exponent
    /// is allowed) that is a whole number of microseconds. The instant must lie in
    /// ``validRange`` (years 0001 to 9999).
    ///
    /// - Throws: ``TimestampParseError`` naming the value and saying what is wrong.
    public static func parsing(
        _ text: some StringProtocol, format: TimestampFormat = .iso8601, zoneless: Zoneless = .rejected
    ) throws(TimestampParseError) -> Timestamp {
        var copy = String(text)
        let result = copy.withUTF8 { bytes in
            Result { () throws(TimestampParseError) in try parse(utf8: bytes, format: format, zoneless: zoneless) }
        }
        return try result.get()
    }

    /// ``parsing(_:format:zoneless:)``, `nil` for invalid text.
    public static func parse(_ text: some StringProtocol, format: TimestampFormat = .iso8601) -> Timestamp? {
        try? parsing(text, format: format)
    }

    /// ``parsing(_:format:zoneless:)`` from UTF-8 bytes, without copying them: the per-row parser
    /// of ingest, spines and sources read in place.
    @inline(__always)
    public static func parse(
        utf8 bytes: UnsafeBufferPointer<UInt8>, format: TimestampFormat, zoneless: Zoneless = .rejected
    ) throws(TimestampParseError) -> Timestamp {
        switch format {
        case .iso8601: return try parseRFC3339(bytes, zoneless: zoneless, years: .valid)
        case .epochSeconds, .epochMilliseconds, .epochMicroseconds: return try parseEpoch(bytes, format: format)
        }
    }
}
