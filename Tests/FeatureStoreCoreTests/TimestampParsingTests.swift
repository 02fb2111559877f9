import FeatureStoreCore
import Foundation
import Testing

/// A proleptic Gregorian calendar written the slow, obvious way (days before a year by the
/// leap-year count, months from a table), independent of the parser's and printer's algorithms.
private enum Reference {
    static let monthStarts: [Int64] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]

    static func isLeap(_ year: Int64) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return a % b != 0 && a < 0 ? quotient - 1 : quotient
    }

    /// Days from 0001-01-01 to January 1st of `year`.
    static func daysBefore(year: Int64) -> Int64 {
        let y = year - 1
        return 365 * y + floorDiv(y, 4) - floorDiv(y, 100) + floorDiv(y, 400)
    }

    static func days(_ year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        daysBefore(year: year) + monthStarts[Int(month) - 1] + (month > 2 && isLeap(year) ? 1 : 0) + day - 1
    }

    static func monthLength(_ year: Int64, _ month: Int64) -> Int64 {
        [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][Int(month) - 1]
    }

    static let epochDays = days(1970, 1, 1)

    /// Microseconds since 1970 of a UTC date and time.
    static func micros(_ y: Int64, _ mo: Int64, _ d: Int64, _ h: Int64, _ mi: Int64, _ s: Int64, _ us: Int64) -> Int64 {
        ((days(y, mo, d) - epochDays) * 86_400 + h * 3600 + mi * 60 + s) * 1_000_000 + us
    }

    /// The UTC date and time of an instant, by binary search over years.
    static func civil(_ micros: Int64) -> (Int64, Int64, Int64, Int64, Int64, Int64, Int64) {
        let seconds = floorDiv(micros, 1_000_000)
        let us = micros &- seconds &* 1_000_000  // exact: the result is in 0..<1_000_000
        let day = floorDiv(seconds, 86_400)
        let secondOfDay = seconds - day * 86_400
        let dayNumber = day + epochDays
        var low: Int64 = -400_000
        var high: Int64 = 400_000
        while low < high {
            let middle = floorDiv(low + high + 1, 2)
            if daysBefore(year: middle) <= dayNumber { low = middle } else { high = middle - 1 }
        }
        let year = low
        let rest = dayNumber - daysBefore(year: year)
        var month: Int64 = 12
        while rest < monthStarts[Int(month) - 1] + (month > 2 && isLeap(year) ? 1 : 0) { month -= 1 }
        let dayOfMonth = rest - monthStarts[Int(month) - 1] - (month > 2 && isLeap(year) ? 1 : 0) + 1
        return (year, month, dayOfMonth, secondOfDay / 3600, secondOfDay / 60 % 60, secondOfDay % 60, us)
    }

    /// The printer's expected text: 4-digit years in 0001-9999, else a sign and at least 4 digits.
    static func text(_ micros: Int64) -> String {
        let (y, mo, d, h, mi, s, us) = civil(micros)
        func pad(_ v: Int64, _ width: Int) -> String {
            let digits = String(v)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let year = (1...9999).contains(y) ? pad(y, 4) : (y < 0 ? "-" : "+") + pad(abs(y), 4)
        let fraction = us == 0 ? "" : "." + pad(us, 6)
        return "\(year)-\(pad(mo, 2))-\(pad(d, 2))T\(pad(h, 2)):\(pad(mi, 2)):\(pad(s, 2))\(fraction)Z"
    }
}

@Suite struct TimestampParsingTests {
    /// Random instants across 0001-9999 written with random separators, fraction lengths (digits
    /// past the sixth are zeros) and offsets parse to what the reference computes, or fail naming
    /// the range when the offset moves them outside it; every parsed value prints as the reference
    /// prints it and parses back.
    @Test(arguments: 0..<16)
    func parserAgreesWithAReferenceCalendar(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        func below(_ n: Int64) -> Int64 { Int64(rng.next() % UInt64(n)) }
        for _ in 0..<2_000 {
            // Years near the ends of the range often, so that offsets push some past them.
            let year: Int64 = [1 + below(9999), 1 + below(3), 9997 + below(3), 1970 + below(100)][Int(below(4))]
            let month = 1 + below(12)
            let day = 1 + below(Reference.monthLength(year, month))
            let (hour, minute, second) = (below(24), below(60), below(60))
            let fractionDigits = Int(below(10))
            var micros: Int64 = 0
            var fraction = ""
            for index in 0..<fractionDigits {
                let digit = index < 6 ? below(10) : 0
                if index < 6 { micros = micros * 10 + digit }
                fraction += String(digit)
            }
            for _ in min(fractionDigits, 6)..<6 { micros *= 10 }
            var zone = ["Z", "z"][Int(below(2))]
            var offsetSeconds: Int64 = 0
            if below(3) > 0 {
                let (sign, hours, minutes) = (below(2) == 0 ? Int64(1) : -1, below(24), below(60))
                offsetSeconds = sign * (hours * 3600 + minutes * 60)
                let hh = hours < 10 ? "0\(hours)" : "\(hours)"
                let mm = minutes < 10 ? "0\(minutes)" : "\(minutes)"
                zone = (sign > 0 ? "+" : "-") + [hh + ":" + mm, hh + mm, minutes == 0 ? hh : hh + mm][Int(below(3))]
            }
            func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
            let yearText = String(repeating: "0", count: 4 - String(year).count) + String(year)
            let separator = ["T", "t", " "][Int(below(3))]
            let text =
                "\(yearText)-\(two(month))-\(two(day))\(separator)\(two(hour)):\(two(minute)):\(two(second))"
                + (fractionDigits > 0 ? "." + fraction : "") + zone
            let expected =
                Reference.micros(year, month, day, hour, minute, second, micros) - offsetSeconds * 1_000_000
            let inRange = Timestamp.validRange.contains(Timestamp(microseconds: expected))
            do {
                let parsed = try Timestamp.parsing(text)
                #expect(inRange, "\(text) parsed though outside 0001-9999")
                #expect(parsed.microseconds == expected, "\(text)")
                #expect(parsed.rfc3339 == Reference.text(expected), "\(text)")
                #expect(try Timestamp.parsing(parsed.rfc3339) == parsed, "round trip of \(parsed.rfc3339)")
            } catch {
                #expect(!inRange, "\(text): \(error)")
                #expect(error.reason.contains("once its offset is applied"), "\(text): \(error)")
            }
        }
    }

    /// Printing agrees with Foundation's Gregorian calendar where it is proleptic (after 1582),
    /// and every instant in range round-trips through the printer and the parser.
    @Test(arguments: 0..<8)
    func printerAgreesWithFoundation(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let first = Reference.micros(1583, 1, 1, 0, 0, 0, 0)
        let span = UInt64(Timestamp.latestValid.microseconds - first)
        for _ in 0..<1_000 {
            let micros = first + Int64(rng.next() % span)
            let timestamp = Timestamp(microseconds: micros)
            let text = timestamp.rfc3339
            #expect(try Timestamp.parsing(text) == timestamp)
            let seconds = Reference.floorDiv(micros, 1_000_000)
            let parts = calendar.dateComponents(
                [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: Double(seconds)))
            func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
            let year = String(repeating: "0", count: 4 - String(parts.year!).count) + String(parts.year!)
            let expected =
                "\(year)-\(two(parts.month!))-\(two(parts.day!))T\(two(parts.hour!)):\(two(parts.minute!)):\(two(parts.second!))"
            #expect(text.prefix(19) == expected, "\(text) vs Foundation \(expected)")
        }
    }

    /// Every Int64 prints its true date (a sign and all digits outside 0001-9999) and decodes back.
    @Test(arguments: 0..<8)
    func everyInstantPrintsItsTrueDate(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let extremes: [Int64] = [
            .min, .min + 1, .max, .max - 1, 0, -1, Timestamp.earliestValid.microseconds - 1,
            Timestamp.latestValid.microseconds + 1, Reference.micros(0, 12, 31, 23, 59, 59, 999_999),
            Reference.micros(-1, 1, 1, 0, 0, 0, 0), Reference.micros(33658, 9, 27, 1, 46, 40, 0),
        ]
        for micros in extremes + (0..<2_000).map({ _ in Int64(bitPattern: rng.next()) }) {
            let timestamp = Timestamp(microseconds: micros)
            #expect(timestamp.rfc3339 == Reference.text(micros))
            let data = try JSONEncoder().encode([timestamp])
            #expect(try JSONDecoder().decode([Timestamp].self, from: data) == [timestamp], "\(timestamp.rfc3339)")
            if !timestamp.isValid { #expect(Timestamp.parse(timestamp.rfc3339) == nil, "\(timestamp.rfc3339)") }
        }
        #expect(Timestamp.max.rfc3339 == "+294247-01-10T04:00:54.775807Z")
        #expect(Timestamp.min.rfc3339 == "-290308-12-21T19:59:05.224192Z")
        #expect(
            Timestamp(microseconds: Reference.micros(33658, 9, 27, 1, 46, 40, 0)).rfc3339 == "+33658-09-27T01:46:40Z")
        #expect(Timestamp.earliestValid.rfc3339 == "0001-01-01T00:00:00Z")
        #expect(Timestamp.latestValid.rfc3339 == "9999-12-31T23:59:59.999999Z")
        #expect(
            Timestamp(microseconds: Timestamp.earliestValid.microseconds - 1).rfc3339 == "+0000-12-31T23:59:59.999999Z")
        #expect(Timestamp.distantPast == Timestamp.earliestValid)
    }

    @Test(arguments: [
        ("2024-02-29T12:34:56.123456789Z", "more precise than a microsecond"),
        ("2024-02-29T12:34:56.0000001Z", "more precise than a microsecond"),
        ("10000-01-01T00:00:00Z", "year is out of range"),
        ("+2024-01-01T00:00:00Z", "year is out of range"),
        ("-0001-01-01T00:00:00Z", "year is out of range"),
        ("0000-01-01T00:00:00Z", "year 0000 does not exist"),
        ("0001-01-01T00:00:00+00:01", "before 0001-01-01T00:00:00Z"),
        ("9999-12-31T23:59:59.999999-00:01", "after 9999-12-31T23:59:59.999999Z"),
        ("2024-13-01T00:00:00Z", "month 13"),
        ("2023-02-29T00:00:00Z", "day 29 does not exist"),
        ("2024-01-01T24:00:00Z", "hour 24"),
        ("2024-01-01T23:60:00Z", "minute 60"),
        ("2016-12-31T23:59:60Z", "leap second"),
        ("2024-01-01T00:00:00", "no zone"),
        ("2024-01-01T00:00:00.5", "no zone"),
        ("2024-01-01", "no time"),
        ("2024-01-01T00:00Z", "seconds are missing"),
        ("2024-01-01T00:00:00.Z", "followed by fractional digits"),
        ("2024-01-01T00:00:00+24:00", "offset is out of range"),
        ("2024-01-01T00:00:00+1", "offset is written"),
        ("2024-01-01T00:00:00Zjunk", "after the zone"),
        ("", "empty"),
        ("yesterday", "not written YYYY-MM-DD"),
    ])
    func refusesWithAReason(text: String, reason: String) {
        #expect(throws: TimestampParseError.self) { try Timestamp.parsing(text) }
        do {
            _ = try Timestamp.parsing(text)
        } catch {
            #expect(error.reason.contains(reason), "\(text): \(error.reason)")
            #expect(error.description.contains(text.isEmpty ? "''" : "'\(text.prefix(40))"))
        }
    }

    @Test func zerosPastTheMicrosecondAndShortOffsetsAreFine() throws {
        #expect(try Timestamp.parsing("2024-02-29T12:34:56.123456000Z").microseconds == 1_709_210_096_123_456)
        #expect(try Timestamp.parsing("2024-02-29T07:34:56-05").microseconds == 1_709_210_096_000_000)
        #expect(try Timestamp.parsing("0001-01-01T00:00:00Z") == Timestamp.earliestValid)
        #expect(try Timestamp.parsing("9999-12-31T23:59:59.999999Z") == Timestamp.latestValid)
        #expect(try Timestamp.parsing("0001-01-01T00:59:00+00:59") == Timestamp.earliestValid)
    }

    @Test func zonelessTextIsUTCOnlyWhenAsked() throws {
        for text in ["2026-01-01 10:00:00.900", "2026-01-01T10:00:00.9", "2026-01-01 10:00:00.900000000"] {
            #expect(Timestamp.parse(text) == nil)
            #expect(try Timestamp.parsing(text, zoneless: .utc) == Timestamp.parse("2026-01-01T10:00:00.9Z"))
        }
        #expect(try Timestamp.parsing("2026-01-01 10:00:00", zoneless: .utc) == Timestamp.parse("2026-01-01T10:00:00Z"))
        // A zone, when there is one, still counts.
        #expect(
            try Timestamp.parsing("2026-01-01 05:00:00.5-05:00", zoneless: .utc)
                == Timestamp.parse("2026-01-01T10:00:00.5Z"))
    }
}

@Suite struct EpochParsingTests {
    private func micros(_ text: String, _ format: TimestampFormat) throws -> Int64 {
        try Timestamp.parsing(text, format: format).microseconds
    }

    private func reason(_ text: String, _ format: TimestampFormat) -> String {
        do {
            _ = try Timestamp.parsing(text, format: format)
            return "parsed"
        } catch {
            return error.description
        }
    }

    @Test func decimalsAreExact() throws {
        #expect(try micros("1700000000", .epochSeconds) == 1_700_000_000_000_000)
        #expect(try micros("1700000000.25", .epochSeconds) == 1_700_000_000_250_000)
        #expect(try micros("1700000000.123456", .epochSeconds) == 1_700_000_000_123_456)
        #expect(try micros("1700000000.123456000", .epochSeconds) == 1_700_000_000_123_456)
        #expect(try micros("-1.5", .epochSeconds) == -1_500_000)
        #expect(try micros("1.7e9", .epochSeconds) == 1_700_000_000_000_000)
        #expect(try micros("17E+8", .epochSeconds) == 1_700_000_000_000_000)
        #expect(try micros("1700000000123", .epochMilliseconds) == 1_700_000_000_123_000)
        #expect(try micros("1700000000123.5", .epochMilliseconds) == 1_700_000_000_123_500)
        #expect(try micros("1700000000123456", .epochMicroseconds) == 1_700_000_000_123_456)
        #expect(try micros("0", .epochMicroseconds) == 0)
        #expect(try micros("-0.000", .epochSeconds) == 0)
        #expect(try micros("000000000000000000000000001", .epochMicroseconds) == 1)
    }

    @Test func theRangeIsYears1To9999() throws {
        #expect(try micros("-62135596800", .epochSeconds) == Timestamp.earliestValid.microseconds)
        #expect(try micros("253402300799.999999", .epochSeconds) == Timestamp.latestValid.microseconds)
        #expect(try micros("253402300799999999", .epochMicroseconds) == Timestamp.latestValid.microseconds)
        #expect(reason("-62135596801", .epochSeconds).contains("outside years 0001 to 9999"))
        #expect(reason("253402300800", .epochSeconds).contains("outside years 0001 to 9999"))
        #expect(reason("253402300800000000", .epochMicroseconds).contains("outside years 0001 to 9999"))
        #expect(reason("9223372036854775807", .epochMicroseconds).contains("outside years 0001 to 9999"))
        #expect(reason("99999999999999999999999999", .epochSeconds).contains("outside years 0001 to 9999"))
        #expect(reason("1e100000000", .epochSeconds).contains("outside years 0001 to 9999"))
    }

    @Test func outOfRangeValuesSuggestTheUnitTheyLookLike() {
        let millis = reason("1767225600000", .epochSeconds)
        #expect(millis.contains("'1767225600000'"))
        #expect(millis.contains("as milliseconds it would be 2026-01-01T00:00:00Z"))
        #expect(millis.contains("epoch_ms"))
        let micros = reason("1767225600000000", .epochSeconds)
        #expect(micros.contains("as microseconds it would be 2026-01-01T00:00:00Z"))
        #expect(micros.contains("epoch_us"))
        #expect(reason("1767225600000000", .epochMilliseconds).contains("epoch_us"))
        let nanos = reason("1767225600000000000", .epochMicroseconds)
        #expect(nanos.contains("as nanoseconds it would be 2026-01-01T00:00:00Z"))
        #expect(nanos.contains("divide it by 1000"))
    }

    @Test func digitsPastTheMicrosecondAreRefused() {
        #expect(reason("1700000000.1234567", .epochSeconds).contains("more precise than a microsecond"))
        #expect(reason("1700000000123.4567", .epochMilliseconds).contains("at most 3 decimals"))
        #expect(reason("1700000000123456.5", .epochMicroseconds).contains("no decimals"))
        #expect(reason("1e-7", .epochSeconds).contains("more precise"))
    }

    @Test(arguments: ["", "abc", "1.2.3", "0x10", "inf", "nan", " 1", "1 ", "--1", ".", "1e", "e5", "1e+", "+"])
    func refusesWhatIsNotANumber(text: String) {
        for format in [TimestampFormat.epochSeconds, .epochMilliseconds, .epochMicroseconds] {
            #expect(reason(text, format).contains("expected a count of"), "\(text)")
        }
    }

    /// Random instants written as seconds, milliseconds and microseconds (with random trailing
    /// zeros and exponents) read back exactly.
    @Test(arguments: 0..<8)
    func randomInstantsReadBackExactly(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let span = UInt64(Timestamp.latestValid.microseconds - Timestamp.earliestValid.microseconds)
        for _ in 0..<2_000 {
            let value = Timestamp.earliestValid.microseconds + Int64(rng.next() % span)
            let zeros = String(repeating: "0", count: Int(rng.next() % 4))
            for (format, decimals) in [
                (TimestampFormat.epochSeconds, 6), (.epochMilliseconds, 3), (.epochMicroseconds, 0),
            ] {
                var divisor: Int64 = 1
                for _ in 0..<decimals { divisor *= 10 }
                let whole = value / divisor
                let part = abs(value % divisor)
                let sign = value < 0 && whole == 0 ? "-" : ""
                var text = sign + String(whole)
                if decimals > 0 {
                    let digits = String(part)
                    text += "." + String(repeating: "0", count: decimals - digits.count) + digits + zeros
                }
                #expect(try micros(text, format) == value, "\(text) as \(format)")
                // The same number with an exponent: all digits, then e-decimals.
                if decimals > 0, rng.next() % 2 == 0 {
                    let digits = String(abs(value))
                    let exponentText = (value < 0 ? "-" : "") + digits + "e-\(decimals)"
                    #expect(try micros(exponentText, format) == value, "\(exponentText) as \(format)")
                }
            }
        }
    }
}
