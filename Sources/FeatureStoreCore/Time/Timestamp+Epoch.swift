/// Epoch counts (`epoch_s`, `epoch_ms`, `epoch_us`), read exactly: decimal digits, never a double.
extension Timestamp {
    /// The power of ten that turns a count of `format`'s unit into microseconds.
    static func unitExponent(_ format: TimestampFormat) -> Int {
        switch format {
        case .epochSeconds: 6
        case .epochMilliseconds: 3
        case .epochMicroseconds, .iso8601: 0
        }
    }

    /// A decimal number as its significant digits (trailing zeros removed) and a power of ten.
    private struct Decimal {
        var negative = false
        /// The digits without leading or trailing zeros, when there are at most 18; else `nil`.
        var digits: Int64? = 0
        /// The power of ten of the last digit.
        var exponent = 0

        /// The value times 10^`shift`: `whole` when that is a whole number, `value` when it also
        /// fits in an Int64.
        func scaled(by shift: Int) -> (value: Int64?, whole: Bool) {
            if digits == 0 { return (0, true) }
            let power = exponent + shift
            // The last digit is not zero: a negative power leaves a fraction.
            if power < 0 { return (nil, false) }
            // 19 or more significant digits are at least 10^18: out of any range.
            guard let digits else { return (nil, true) }
            var value = negative ? -digits : digits
            for _ in 0..<power {
                let (next, overflow) = value.multipliedReportingOverflow(by: 10)
                if overflow { return (nil, true) }
                value = next
            }
            return (value, true)
        }
    }

    /// `[+-]digits[.digits][(e|E)[+-]digits]` (digits on at least one side of the point), or `nil`
    /// when the text is not such a number.
    private static func decimal(_ s: UnsafeBufferPointer<UInt8>) -> Decimal? {
        var result = Decimal()
        let n = s.count
        var i = 0
        if i < n, s[i] == UInt8(ascii: "-") || s[i] == UInt8(ascii: "+") {
            result.negative = s[i] == UInt8(ascii: "-")
            i += 1
        }
        // The mantissa: digit positions counted without the point.
        let mantissaStart = i
        var digitCount = 0
        var fractionDigits = 0
        var seenPoint = false
        var firstNonZero = -1
        var lastNonZero = -1
        while i < n {
            let c = s[i]
            if c == UInt8(ascii: ".") {
                if seenPoint { return nil }
                seenPoint = true
            } else if c &- 48 < 10 {
                if c != 48 {
                    if firstNonZero < 0 { firstNonZero = digitCount }
                    lastNonZero = digitCount
                }
                digitCount += 1
                if seenPoint { fractionDigits += 1 }
            } else {
                break
            }
            i += 1
        }
        let mantissaEnd = i
        guard digitCount > 0 else { return nil }
        var exponent = 0
        if i < n {
            guard s[i] == UInt8(ascii: "e") || s[i] == UInt8(ascii: "E") else { return nil }
            i += 1
            var exponentNegative = false
            if i < n, s[i] == UInt8(ascii: "-") || s[i] == UInt8(ascii: "+") {
                exponentNegative = s[i] == UInt8(ascii: "-")
                i += 1
            }
            let start = i
            while i < n, s[i] &- 48 < 10 {
                // Saturate: an exponent past a few dozen is out of range (or not whole) anyway.
                exponent = Swift.min(exponent * 10 + Int(s[i] &- 48), 100_000)
                i += 1
            }
            guard i > start, i == n else { return nil }
            if exponentNegative { exponent = -exponent }
        }
        guard firstNonZero >= 0 else { return result }
        // value = (digits firstNonZero...lastNonZero) × 10^(zeros after them - fraction digits + exponent)
        result.exponent = (digitCount - 1 - lastNonZero) - fractionDigits + exponent
        guard lastNonZero - firstNonZero < 18 else {
            result.digits = nil
            return result
        }
        var value: Int64 = 0
        var position = 0
        for k in mantissaStart..<mantissaEnd where s[k] != UInt8(ascii: ".") {
            if position >= firstNonZero && position <= lastNonZero { value = value * 10 + Int64(s[k] - 48) }
            position += 1
        }
        result.digits = value
        return result
    }

    /// A count of `format`'s unit since the epoch (see ``parsing(_:format:zoneless:)``).
    static func parseEpoch(_ s: UnsafeBufferPointer<UInt8>, format: TimestampFormat) throws(TimestampParseError)
        -> Timestamp
    {
        let unit = unitName(format)
        guard let number = decimal(s) else {
            throw TimestampParseError(
                s, "expected a count of \(unit) since 1970-01-01T00:00:00Z, such as \(example(format))")
        }
        let shift = unitExponent(format)
        let (value, whole) = number.scaled(by: shift)
        guard whole else {
            let decimals = shift == 0 ? "no decimals" : "at most \(shift) decimals"
            throw TimestampParseError(
                s, "it is more precise than a microsecond, which is what fs keeps; write \(unit) with \(decimals)")
        }
        if let value, validRange.contains(Timestamp(microseconds: value)) { return Timestamp(microseconds: value) }
        var reason =
            "as \(unit) since 1970 it is outside years 0001 to 9999 (\(bound(earliestValid, format)) to \(bound(latestValid, format)))"
        for finer in [TimestampFormat.epochMilliseconds, .epochMicroseconds] where unitExponent(finer) < shift {
            if let finerValue = number.scaled(by: unitExponent(finer)).value,
                validRange.contains(Timestamp(microseconds: finerValue))
            {
                reason +=
                    "; as \(unitName(finer)) it would be \(Timestamp(microseconds: finerValue).rfc3339): set the source's timestamp_format to \(finer.rawValue)"
                throw TimestampParseError(s, reason)
            }
        }
        if let nanos = number.scaled(by: -3).value, validRange.contains(Timestamp(microseconds: nanos)) {
            reason +=
                "; as nanoseconds it would be \(Timestamp(microseconds: nanos).rfc3339), but fs keeps microseconds: divide it by 1000 and use epoch_us"
        }
        throw TimestampParseError(s, reason)
    }

    private static func unitName(_ format: TimestampFormat) -> String {
        switch format {
        case .epochSeconds: "seconds"
        case .epochMilliseconds: "milliseconds"
        case .epochMicroseconds: "microseconds"
        case .iso8601: "RFC 3339 text"
        }
    }

    private static func example(_ format: TimestampFormat) -> String {
        switch format {
        case .epochSeconds: "1767225600 or 1767225600.25"
        case .epochMilliseconds: "1767225600000"
        case .epochMicroseconds: "1767225600000000"
        case .iso8601: "2026-01-01T00:00:00Z"
        }
    }

    /// A bound of ``validRange`` in `format`'s unit (rounded toward the inside of the range).
    private static func bound(_ timestamp: Timestamp, _ format: TimestampFormat) -> Int64 {
        var divisor: Int64 = 1
        for _ in 0..<unitExponent(format) { divisor *= 10 }
        return timestamp.microseconds / divisor
    }
}
