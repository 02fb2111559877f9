/// A length of time in integer microseconds: a ttl, a window, a schedule interval.
///
/// Written in the feature repo as a sum of parts: `90s`, `15m`, `2h`, `1d`, `1w`, `1h30m`; `0` is zero.
public struct TimeSpan: Hashable, Comparable, Sendable {
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }

    public static func seconds(_ value: Int64) -> TimeSpan { TimeSpan(microseconds: value * 1_000_000) }
    public static func minutes(_ value: Int64) -> TimeSpan { .seconds(value * 60) }
    public static func hours(_ value: Int64) -> TimeSpan { .seconds(value * 3600) }
    public static func days(_ value: Int64) -> TimeSpan { .seconds(value * 86_400) }

    public static let zero = TimeSpan(microseconds: 0)

    public static func < (lhs: TimeSpan, rhs: TimeSpan) -> Bool { lhs.microseconds < rhs.microseconds }

    private static let units: [(suffix: String, micros: Int64)] = [
        ("w", 604_800_000_000), ("d", 86_400_000_000), ("h", 3_600_000_000), ("m", 60_000_000),
        ("s", 1_000_000), ("ms", 1_000), ("us", 1),
    ]

    /// Why a text is not a duration.
    public enum ParseProblem: Error, Hashable, Sendable {
        /// Not a sum of `<digits><unit>` parts (or `0`).
        case notADuration
        /// Well formed, but longer than any duration fs can hold (about 292,000 years).
        case tooLong
    }

    /// Parses `1h30m`-style text; `nil` when it is not one.
    public init?(parsing text: String) {
        guard case .success(let span) = TimeSpan.parse(text) else { return nil }
        self = span
    }

    /// Parses `1h30m`-style text: a sum of parts of digits and a unit (`w`, `d`, `h`, `m`, `s`, `ms`,
    /// `us`), or `0`. Sums are checked: text beyond the range of ``microseconds`` is ``ParseProblem/tooLong``.
    public static func parse(_ text: String) -> Result<TimeSpan, ParseProblem> {
        let trimmed = text.trimmingSpaces
        if trimmed == "0" { return .success(.zero) }
        var total: Int64 = 0
        var rest = Substring(trimmed)
        guard !rest.isEmpty else { return .failure(.notADuration) }
        var tooLong = false
        while !rest.isEmpty {
            let digits = rest.prefix(while: \.isASCIIDigit)
            guard !digits.isEmpty else { return .failure(.notADuration) }
            rest = rest.dropFirst(digits.count)
            let letters = rest.prefix(while: { $0.isLetter })
            guard let unit = TimeSpan.units.first(where: { $0.suffix == letters }) else {
                return .failure(.notADuration)
            }
            rest = rest.dropFirst(letters.count)
            guard let amount = Int64(digits) else {
                tooLong = true
                continue
            }
            let (part, overflow1) = amount.multipliedReportingOverflow(by: unit.micros)
            let (sum, overflow2) = total.addingReportingOverflow(part)
            if overflow1 || overflow2 { tooLong = true }
            total = sum
        }
        return tooLong ? .failure(.tooLong) : .success(TimeSpan(microseconds: total))
    }

    /// The canonical text, largest units first (`1h30m`, `7d`, `0`).
    public var description: String {
        if microseconds == 0 { return "0" }
        // The magnitude as unsigned, so even `Int64.min` prints (`abs` would trap on it).
        var rest = microseconds.magnitude
        var out = microseconds < 0 ? "-" : ""
        for unit in TimeSpan.units where rest >= UInt64(unit.micros) {
            out += "\(rest / UInt64(unit.micros))\(unit.suffix)"
            rest %= UInt64(unit.micros)
        }
        return out
    }
}

extension TimeSpan: CustomStringConvertible {}

extension TimeSpan: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = TimeSpan(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "bad duration '\(text)'")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
