/// RFC 3339 parsing and printing, written by hand: it runs once per ingested row.
extension Timestamp {
    /// Parses a timestamp in `format`. `nil` when the text is not valid.
    public static func parse<S: StringProtocol>(_ text: S, format: TimestampFormat = .iso8601) -> Timestamp? {
        switch format {
        case .iso8601:
            var copy = String(text)
            return copy.withUTF8 { parseRFC3339($0) }
        case .epochSeconds:
            return parseEpoch(text, scale: 1_000_000)
        case .epochMilliseconds:
            return parseEpoch(text, scale: 1_000)
        }
    }

    private static func parseEpoch<S: StringProtocol>(_ text: S, scale: Int64) -> Timestamp? {
        if let whole = Int64(text) {
            let (product, overflow) = whole.multipliedReportingOverflow(by: scale)
            return overflow ? nil : Timestamp(microseconds: product)
        }
        guard let value = Double(text), value.isFinite else { return nil }
        let micros = (value * Double(scale)).rounded()
        guard abs(micros) < 9.0e18 else { return nil }
        return Timestamp(microseconds: Int64(micros))
    }

    /// Parses `YYYY-MM-DD[T ]HH:MM:SS[.ffffff](Z|±HH:MM|±HHMM)` from UTF-8 bytes.
    public static func parseRFC3339(_ s: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        let n = s.count
        guard n >= 20 else { return nil }
        @inline(__always) func digit(_ i: Int) -> Int64? {
            let c = s[i]
            return c >= 48 && c <= 57 ? Int64(c - 48) : nil
        }
        @inline(__always) func number(_ i: Int, _ count: Int) -> Int64? {
            var value: Int64 = 0
            for k in i..<(i + count) {
                guard let d = digit(k) else { return nil }
                value = value * 10 + d
            }
            return value
        }
        guard let year = number(0, 4), s[4] == 45, let month = number(5, 2), s[7] == 45,
            let day = number(8, 2), s[10] == 84 || s[10] == 116 || s[10] == 32,
            let hour = number(11, 2), s[13] == 58, let minute = number(14, 2), s[16] == 58,
            let second = number(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month),
            hour <= 23, minute <= 59, second <= 60
        else { return nil }
        var i = 19
        var micros: Int64 = 0
        if i < n, s[i] == 46 {
            i += 1
            var digits = 0
            while i < n, let d = digit(i) {
                if digits < 6 { micros = micros * 10 + d }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in Swift.min(digits, 6)..<6 { micros *= 10 }
        }
        guard i < n else { return nil }
        var offsetSeconds: Int64 = 0
        switch s[i] {
        case 90, 122:  // Z z
            i += 1
        case 43, 45:  // + -
            let sign: Int64 = s[i] == 43 ? 1 : -1
            i += 1
            guard i + 2 <= n, let oh = number(i, 2) else { return nil }
            i += 2
            if i < n, s[i] == 58 { i += 1 }
            guard i + 2 <= n, let om = number(i, 2), oh <= 23, om <= 59 else { return nil }
            i += 2
            offsetSeconds = sign * (oh * 3600 + om * 60)
        default:
            return nil
        }
        guard i == n else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + Swift.min(second, 59) - offsetSeconds
        return Timestamp(microseconds: seconds * 1_000_000 + micros)
    }

    /// The timestamp in RFC 3339, UTC, with fractional seconds only when there are any
    /// (`2024-05-01T12:00:00Z`, `2024-05-01T12:00:00.250000Z`).
    public var rfc3339: String {
        var out: [UInt8] = []
        out.reserveCapacity(27)
        appendRFC3339(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends ``rfc3339``'s text as UTF-8 (no allocation beyond `out`'s growth; used per value
    /// by the JSON writers).
    public func appendRFC3339(to out: inout [UInt8]) {
        var seconds = microseconds / 1_000_000
        var micros = microseconds % 1_000_000
        if micros < 0 {
            micros += 1_000_000
            seconds -= 1
        }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = civilFromDays(days)
        func put(_ value: Int64, width: Int) {
            var divisor: Int64 = 1
            for _ in 1..<width { divisor *= 10 }
            while divisor > 0 {
                out.append(UInt8(truncatingIfNeeded: 48 + (value / divisor) % 10))
                divisor /= 10
            }
        }
        put(year, width: 4)
        out.append(UInt8(ascii: "-"))
        put(month, width: 2)
        out.append(UInt8(ascii: "-"))
        put(day, width: 2)
        out.append(UInt8(ascii: "T"))
        put(secondOfDay / 3600, width: 2)
        out.append(UInt8(ascii: ":"))
        put(secondOfDay / 60 % 60, width: 2)
        out.append(UInt8(ascii: ":"))
        put(secondOfDay % 60, width: 2)
        if micros != 0 {
            out.append(UInt8(ascii: "."))
            put(micros, width: 6)
        }
        out.append(UInt8(ascii: "Z"))
    }
}

func isLeapYear(_ year: Int64) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

func daysInMonth(year: Int64, month: Int64) -> Int64 {
    switch month {
    case 2: isLeapYear(year) ? 29 : 28
    case 4, 6, 9, 11: 30
    default: 31
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = (month + 9) % 12
    let doy = (153 * mp + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
}

/// The date for a count of days since 1970-01-01.
func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    return (month <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, month, day)
}
