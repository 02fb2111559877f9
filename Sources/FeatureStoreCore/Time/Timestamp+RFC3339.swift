/// RFC 3339 parsing and printing, written by hand: it runs once per ingested row.
extension Timestamp {
    /// Parses `YYYY-MM-DD[Tt ]HH:MM:SS[.f…](Z|z|±HH:MM|±HHMM|±HH)` from UTF-8 bytes: at most 6
    /// fractional digits that are not zero (digits past the microsecond must be zeros: dropping
    /// them would move the instant earlier), the offset applied, no leap second, and without a zone
    /// only when `zoneless` allows it.
    static func parseRFC3339(
        _ s: UnsafeBufferPointer<UInt8>, zoneless: Zoneless, years: YearRange
    ) throws(TimestampParseError) -> Timestamp {
        // Helpers take positions rather than capturing the cursor, which keeps it in a register.
        let n = s.count
        @inline(never) func fail(_ reason: String) -> TimestampParseError { TimestampParseError(s, reason) }
        let shape =
            "it is not written YYYY-MM-DDTHH:MM:SS, with optional fractional seconds, then Z or an offset such as +02:00"
        /// Exactly `count` digits at `at`.
        @inline(__always) func number(_ at: Int, _ count: Int) -> Int64? {
            guard at + count <= n else { return nil }
            var value: Int64 = 0
            for k in at..<(at + count) {
                let d = s[k] &- 48
                guard d < 10 else { return nil }
                value = value * 10 + Int64(d)
            }
            return value
        }
        @inline(__always) func isByte(_ at: Int, _ byte: UInt8) -> Bool { at < n && s[at] == byte }
        /// A year other than four digits: only what the printer writes outside 0001-9999, and only
        /// when decoding.
        func checkYear(digits: Int, signed: Bool) throws(TimestampParseError) {
            switch years {
            case .valid:
                if signed || digits > 4 { throw fail("the year is out of range; fs reads years 0001 to 9999") }
                throw fail(shape)
            case .anyPrintable:
                guard signed, (4...6).contains(digits) else { throw fail(shape) }
            }
        }
        guard n > 0 else { throw fail("it is empty; \(shape)") }

        // The year: four digits, or (decoding what the printer writes) a sign and 4 to 6 digits.
        var i = 0
        var year: Int64 = 0
        if n > 4, s[4] == 45, let digits = number(0, 4) {
            // The common case, four digits then '-'.
            year = digits
            i = 4
            if year == 0 { throw fail("year 0000 does not exist; fs reads years 0001 to 9999") }
        } else {
            let signed = s[0] == UInt8(ascii: "+") || s[0] == UInt8(ascii: "-")
            if signed { i = 1 }
            let yearStart = i
            while i < n, i - yearStart < 7 {
                let d = s[i] &- 48
                guard d < 10 else { break }
                year = year * 10 + Int64(d)
                i += 1
            }
            try checkYear(digits: i - yearStart, signed: signed)
            if s[0] == UInt8(ascii: "-") { year = -year }
        }
        guard isByte(i, 45), let month = number(i + 1, 2), isByte(i + 3, 45), let day = number(i + 4, 2) else {
            throw fail(shape)
        }
        i += 6
        guard (1...12).contains(month) else { throw fail("month \(month) does not exist") }
        guard day >= 1, day <= daysInMonth(year: year, month: month) else {
            throw fail("day \(day) does not exist in month \(month) of year \(year)")
        }
        guard i < n else { throw fail("it has a date but no time; add the time and zone, such as T00:00:00Z") }
        guard s[i] == UInt8(ascii: "T") || s[i] == UInt8(ascii: "t") || s[i] == 32 else { throw fail(shape) }
        guard let hour = number(i + 1, 2), isByte(i + 3, 58), let minute = number(i + 4, 2) else {
            throw fail(shape)
        }
        guard isByte(i + 6, 58), let second = number(i + 7, 2) else {
            throw fail("the seconds are missing; write HH:MM:SS")
        }
        i += 9
        guard hour <= 23 else { throw fail("hour \(hour) is out of range (00 to 23)") }
        guard minute <= 59 else { throw fail("minute \(minute) is out of range (00 to 59)") }
        if second == 60 {
            throw fail("second 60 (a leap second) has no Unix time; write 59.999999 or the next minute")
        }
        guard second <= 59 else { throw fail("second \(second) is out of range (00 to 59)") }
        var micros: Int64 = 0
        if isByte(i, 46) {
            i += 1
            var digits = 0
            while i < n {
                let d = s[i] &- 48
                guard d < 10 else { break }
                if digits < 6 {
                    micros = micros * 10 + Int64(d)
                } else if d != 0 {
                    throw fail(
                        "it is more precise than a microsecond, which is what fs keeps; round it to at most 6 fractional digits"
                    )
                }
                digits += 1
                i += 1
            }
            guard digits > 0 else { throw fail("a '.' must be followed by fractional digits") }
            for _ in Swift.min(digits, 6)..<6 { micros *= 10 }
        }
        var offsetSeconds: Int64 = 0
        if i == n {
            guard zoneless == .utc else {
                throw fail("it has no zone; add Z for UTC or the offset it was written in, such as +02:00")
            }
        } else {
            switch s[i] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                i += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                let offsetSign: Int64 = s[i] == UInt8(ascii: "+") ? 1 : -1
                let offsetForm = "an offset is written +HH:MM, +HHMM or +HH"
                guard let offsetHours = number(i + 1, 2) else { throw fail(offsetForm) }
                i += 3
                var offsetMinutes: Int64 = 0
                if i < n {
                    if s[i] == 58 { i += 1 }
                    guard let minutes = number(i, 2) else { throw fail(offsetForm) }
                    offsetMinutes = minutes
                    i += 2
                }
                guard offsetHours <= 23, offsetMinutes <= 59 else {
                    throw fail("the offset is out of range (-23:59 to +23:59)")
                }
                offsetSeconds = offsetSign * (offsetHours * 3600 + offsetMinutes * 60)
            default:
                throw fail(shape)
            }
            guard i == n else { throw fail("unexpected text after the zone; \(shape)") }
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        let total: Int64
        switch years {
        case .valid:
            // Four-digit years: |seconds| < 3.2e11, so neither operation can overflow.
            total = seconds &* 1_000_000 &+ micros
            // The bounds of validRange, written out: this runs once per ingested value.
            if total < -62_135_596_800_000_000 {
                throw fail("it is before 0001-01-01T00:00:00Z once its offset is applied; fs reads years 0001 to 9999")
            }
            if total > 253_402_300_799_999_999 {
                throw fail(
                    "it is after 9999-12-31T23:59:59.999999Z once its offset is applied; fs reads years 0001 to 9999")
            }
        case .anyPrintable:
            // Before 1970, count from the next second down, so that Int64.min (whose second
            // times 10^6 is below Int64.min) is reachable.
            let borrow: Int64 = seconds < 0 && micros > 0 ? 1 : 0
            let (scaled, overflow) = (seconds + borrow).multipliedReportingOverflow(by: 1_000_000)
            let (sum, overflow2) = scaled.addingReportingOverflow(micros - borrow * 1_000_000)
            guard !overflow, !overflow2 else { throw fail("it is out of range of 64-bit microseconds") }
            total = sum
        }
        return Timestamp(microseconds: total)
    }

    /// The timestamp in RFC 3339, UTC, with fractional seconds only when there are any
    /// (`2024-05-01T12:00:00Z`, `2024-05-01T12:00:00.250000Z`).
    ///
    /// Every value prints its true date: years outside 0001 to 9999 (which no input can name, but
    /// arithmetic near ``min`` and ``max`` can reach) print with a sign and all their digits, as
    /// ISO 8601's expanded years: `+10000-01-01T00:00:00Z`, `-0001-12-31T00:00:00Z`.
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
        /// `value` (not negative) in decimal, zero-padded to at least `width` digits.
        func put(_ value: Int64, width: Int) {
            var digits = 1
            var divisor: Int64 = 1
            while digits < width || value / divisor >= 10 {
                divisor *= 10
                digits += 1
            }
            while divisor > 0 {
                out.append(UInt8(truncatingIfNeeded: 48 + (value / divisor) % 10))
                divisor /= 10
            }
        }
        if (1...9999).contains(year) {
            put(year, width: 4)
        } else {
            out.append(year < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            put(abs(year), width: 4)
        }
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
