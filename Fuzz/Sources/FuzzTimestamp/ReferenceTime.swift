import FeatureStoreKit

/// A second, deliberately plain implementation of the timestamp forms fs accepts (README, "Accepted
/// timestamps"), to check the optimized parser against: it matches the text piece by piece and
/// counts days with another formula.
enum ReferenceTime {
    static func parse(_ text: [UInt8], format: TimestampFormat, zoneless: Timestamp.Zoneless) -> Timestamp? {
        let value: Int64?
        switch format {
        case .iso8601: value = rfc3339(text, zoneless: zoneless)
        case .epochSeconds: value = epoch(text, exponent: 6)
        case .epochMilliseconds: value = epoch(text, exponent: 3)
        case .epochMicroseconds: value = epoch(text, exponent: 0)
        }
        guard let value, Timestamp.validRange.contains(Timestamp(microseconds: value)) else { return nil }
        return Timestamp(microseconds: value)
    }

    /// `YYYY-MM-DD[Tt ]HH:MM:SS[.digits](Z|z|±HH:MM|±HHMM|±HH)`, the zone optional with `.utc`.
    private static func rfc3339(_ s: [UInt8], zoneless: Timestamp.Zoneless) -> Int64? {
        var i = 0
        func digits(_ count: Int) -> Int64? {
            guard i + count <= s.count, s[i..<(i + count)].allSatisfy({ (48...57).contains($0) }) else { return nil }
            defer { i += count }
            return Int64(String(decoding: s[i..<(i + count)], as: UTF8.self))
        }
        func literal(_ options: String) -> Bool {
            guard i < s.count, options.utf8.contains(s[i]) else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), literal("-"), let month = digits(2), literal("-"), let day = digits(2),
            literal("Tt "), let hour = digits(2), literal(":"), let minute = digits(2), literal(":"),
            let second = digits(2)
        else { return nil }
        guard year >= 1, (1...12).contains(month), day >= 1, day <= monthLength(year, month), hour <= 23,
            minute <= 59, second <= 59
        else { return nil }
        var micros: Int64 = 0
        if literal(".") {
            var fraction: [UInt8] = []
            while i < s.count, (48...57).contains(s[i]) {
                fraction.append(s[i])
                i += 1
            }
            guard !fraction.isEmpty, fraction.dropFirst(6).allSatisfy({ $0 == 48 }) else { return nil }
            let six = Array(fraction.prefix(6)) + Array(repeating: 48, count: max(0, 6 - fraction.count))
            micros = Int64(String(decoding: six, as: UTF8.self))!
        }
        var offset: Int64 = 0
        if i == s.count {
            guard zoneless == .utc else { return nil }
        } else if literal("Zz") {
            // UTC.
        } else if i < s.count, s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") {
            let sign: Int64 = s[i] == UInt8(ascii: "+") ? 1 : -1
            i += 1
            guard let hours = digits(2) else { return nil }
            var minutes: Int64 = 0
            if i < s.count {
                _ = literal(":")
                guard let given = digits(2) else { return nil }
                minutes = given
            }
            guard hours <= 23, minutes <= 59 else { return nil }
            offset = sign * (hours * 3600 + minutes * 60)
        } else {
            return nil
        }
        guard i == s.count else { return nil }
        let seconds = daysSince1970(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset
        return seconds * 1_000_000 + micros
    }

    private static func isLeap(_ year: Int64) -> Bool { year % 400 == 0 || (year % 4 == 0 && year % 100 != 0) }

    private static func monthLength(_ year: Int64, _ month: Int64) -> Int64 {
        [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][Int(month) - 1]
    }

    /// Days from 1970-01-01: whole years since 0001-01-01, whole months of the year, then the day.
    private static func daysSince1970(_ year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = year - 1
        var days = 365 * y + y / 4 - y / 100 + y / 400
        for m in 1..<month { days += monthLength(year, m) }
        return days + day - 1 - 719_162
    }

    /// `[+-]digits[.digits][(e|E)[+-]digits]` (a digit on either side of the point) times 10^exponent,
    /// when that is a whole number of microseconds that fits in 64 bits.
    private static func epoch(_ s: [UInt8], exponent: Int) -> Int64? {
        var i = 0
        var negative = false
        if i < s.count, s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") {
            negative = s[i] == UInt8(ascii: "-")
            i += 1
        }
        var mantissa: [UInt8] = []
        var fractionDigits = 0
        var seenPoint = false
        while i < s.count {
            if s[i] == UInt8(ascii: "."), !seenPoint {
                seenPoint = true
            } else if (48...57).contains(s[i]) {
                mantissa.append(s[i] - 48)
                if seenPoint { fractionDigits += 1 }
            } else {
                break
            }
            i += 1
        }
        guard !mantissa.isEmpty else { return nil }
        var power = exponent - fractionDigits
        if i < s.count {
            guard s[i] == UInt8(ascii: "e") || s[i] == UInt8(ascii: "E") else { return nil }
            i += 1
            var exponentNegative = false
            if i < s.count, s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") {
                exponentNegative = s[i] == UInt8(ascii: "-")
                i += 1
            }
            let start = i
            var value = 0
            while i < s.count, (48...57).contains(s[i]) {
                value = min(value * 10 + Int(s[i] - 48), 1_000_000)
                i += 1
            }
            guard i > start, i == s.count else { return nil }
            power += exponentNegative ? -value : value
        }
        // Significant digits, trailing zeros moved into the power.
        var significant = Array(mantissa.drop { $0 == 0 })
        if significant.isEmpty { return 0 }
        while significant.last == 0 {
            significant.removeLast()
            power += 1
        }
        guard power >= 0, significant.count + power <= 19 else { return nil }
        var value: Int128 = 0
        for digit in significant { value = value * 10 + Int128(digit) }
        for _ in 0..<power { value *= 10 }
        if negative { value = -value }
        return Int64(exactly: value)
    }
}
