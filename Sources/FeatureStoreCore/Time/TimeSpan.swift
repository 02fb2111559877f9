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

    /// Parses `1h30m`-style text; `nil` when it is not one.
    public init?(parsing text: String) {
        let trimmed = text.trimmingSpaces
        if trimmed == "0" {
            self = .zero
            return
        }
        var total: Int64 = 0
        var rest = Substring(trimmed)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix(while: \.isASCIIDigit)
            guard !digits.isEmpty, let amount = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let letters = rest.prefix(while: { $0.isLetter })
            guard let unit = TimeSpan.units.first(where: { $0.suffix == letters }) else { return nil }
            rest = rest.dropFirst(letters.count)
            let (part, overflow1) = amount.multipliedReportingOverflow(by: unit.micros)
            let (sum, overflow2) = total.addingReportingOverflow(part)
            guard !overflow1, !overflow2 else { return nil }
            total = sum
        }
        self.microseconds = total
    }

    /// The canonical text, largest units first (`1h30m`, `7d`, `0`).
    public var description: String {
        if microseconds == 0 { return "0" }
        var rest = microseconds
        var out = microseconds < 0 ? "-" : ""
        rest = abs(rest)
        for unit in TimeSpan.units where rest >= unit.micros {
            out += "\(rest / unit.micros)\(unit.suffix)"
            rest %= unit.micros
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
