import FeatureStoreCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Parsing values straight from UTF-8 bytes: the per-cell work of ingest and spine reading.
enum ValueParsing {
    /// A decimal integer with an optional sign; `nil` when not one or out of range.
    @inline(__always)
    static func int64(_ s: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0
        var negative = false
        if i < s.count, s[i] == UInt8(ascii: "-") || s[i] == UInt8(ascii: "+") {
            negative = s[i] == UInt8(ascii: "-")
            i += 1
        }
        guard i < s.count else { return nil }
        var value: Int64 = 0
        while i < s.count {
            let d = s[i] &- 48
            guard d < 10 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = negative ? m.subtractingReportingOverflow(Int64(d)) : m.addingReportingOverflow(Int64(d))
            guard !o1, !o2 else { return nil }
            value = a
            i += 1
        }
        return value
    }

    /// A finite decimal or scientific floating-point number; `nil` when not one (`inf`, `nan`, hex
    /// and numbers too large for a double, such as `1e999`, included).
    ///
    /// Plain decimals with at most 15 digits (the common case) are computed exactly as
    /// `mantissa / 10^k`, which IEEE division rounds correctly; anything else goes to `strtod`.
    @inline(__always)
    static func double(_ s: UnsafeBufferPointer<UInt8>) -> Double? {
        if let fast = fastDecimal(s) { return fast }
        guard let value = slowDouble(s), value.isFinite else { return nil }
        return value
    }

    /// `strtod` on text made only of digits, signs, '.' and 'e'/'E' (strtod alone would also take
    /// hex, "inf" and spaces); may be infinite.
    private static func slowDouble(_ s: UnsafeBufferPointer<UInt8>) -> Double? {
        guard !s.isEmpty else { return nil }
        for c in s {
            guard (c >= 48 && c <= 57) || c == 46 || c == 45 || c == 43 || c == 101 || c == 69 else {
                return nil
            }
        }
        guard s.count < 64 else { return Double(String(decoding: s, as: UTF8.self)) }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer -> Double? in
            for index in 0..<s.count { buffer[index] = CChar(bitPattern: s[index]) }
            buffer[s.count] = 0
            var end: UnsafeMutablePointer<CChar>?
            let value = strtod(buffer.baseAddress!, &end)
            guard let end, end - buffer.baseAddress! == s.count else { return nil }
            return value
        }
    }

    private static let powersOfTen: [Double] = (0...22).map(pow10)

    private static func pow10(_ n: Int) -> Double {
        var value = 1.0
        for _ in 0..<n { value *= 10 }
        return value
    }

    /// `[-+]digits[.digits]` with at most 15 digits in all; nil for anything else.
    @inline(__always)
    private static func fastDecimal(_ s: UnsafeBufferPointer<UInt8>) -> Double? {
        var i = 0
        let n = s.count
        var negative = false
        if i < n, s[i] == UInt8(ascii: "-") || s[i] == UInt8(ascii: "+") {
            negative = s[i] == UInt8(ascii: "-")
            i += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var fraction = 0
        var seenPoint = false
        var seenDigit = false
        while i < n {
            let c = s[i]
            if c == UInt8(ascii: ".") {
                if seenPoint { return nil }
                seenPoint = true
            } else {
                let d = c &- 48
                guard d < 10 else { return nil }
                mantissa = mantissa * 10 + UInt64(d)
                digits += 1
                seenDigit = true
                if seenPoint { fraction += 1 }
                if digits > 15 { return nil }
            }
            i += 1
        }
        guard seenDigit else { return nil }
        let value = Double(mantissa) / powersOfTen[fraction]
        return negative ? -value : value
    }

    /// `true`/`false` (any case) or `1`/`0`.
    static func bool(_ s: UnsafeBufferPointer<UInt8>) -> Bool? {
        let lower = String(decoding: s, as: UTF8.self).lowercased()
        switch lower {
        case "true", "1": return true
        case "false", "0": return false
        default: return nil
        }
    }

    /// A timestamp in `format`, as microseconds since the epoch (see ``Timestamp/parse(utf8:format:zoneless:)``).
    @inline(__always)
    static func timestamp(_ s: UnsafeBufferPointer<UInt8>, format: TimestampFormat) -> Int64? {
        try? Timestamp.parse(utf8: s, format: format).microseconds
    }

    /// Why `s` is not a valid `type` (after its parser said so), for messages: the text that follows
    /// "is not a valid int64; ".
    static func problem(_ s: UnsafeBufferPointer<UInt8>, _ type: ValueType, format: TimestampFormat) -> String {
        switch type {
        case .int64:
            if let value = slowDouble(s) {
                if value.isFinite, value == value.rounded(),
                    s.allSatisfy({ $0 == 45 || $0 == 43 || ($0 >= 48 && $0 <= 57) })
                {
                    return "it is out of range (-9223372036854775808 to 9223372036854775807)"
                }
                return
                    "it is not written as an integer; int64 takes whole numbers without a point or exponent, such as 42"
            }
            return "expected \(expectation(type, format: format))"
        case .float64:
            if let value = slowDouble(s), !value.isFinite {
                return "it is too large for a 64-bit float; fs stores only finite numbers"
            }
            let lower = String(decoding: s.prefix(16), as: UTF8.self).lowercased()
            if ["inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "nan", "-nan", "+nan"].contains(lower) {
                return "infinities and NaN are refused; fs stores only finite numbers"
            }
            return "expected \(expectation(type, format: format))"
        case .timestamp:
            let reason = timestampProblem(s, format: format)
            if reason.hasPrefix("expected") { return reason }
            return "\(reason) (expected \(expectation(type, format: format)))"
        case .string:
            if let offset = firstInvalidUTF8(s) {
                return
                    "it is not valid UTF-8 (byte \(offset + 1) is 0x\(String(s[offset], radix: 16, uppercase: true))); save the file as UTF-8"
            }
            return "expected \(expectation(type, format: format))"
        case .bool, .bytes:
            return "expected \(expectation(type, format: format))"
        }
    }

    /// Why `s` is not a timestamp in `format` (after ``timestamp(_:format:)`` said so).
    static func timestampProblem(_ s: UnsafeBufferPointer<UInt8>, format: TimestampFormat) -> String {
        do {
            _ = try Timestamp.parse(utf8: s, format: format)
            return "expected \(expectation(timestampFormat: format))"
        } catch {
            return error.reason
        }
    }

    /// What a value of `type` looks like, for error messages.
    static func expectation(_ type: ValueType, format: TimestampFormat) -> String {
        switch type {
        case .int64: "an integer such as 42"
        case .float64: "a number such as 0.5"
        case .string: "text"
        case .bool: "true or false"
        case .bytes: "standard base64 such as aGk= (padded or not)"
        case .timestamp: expectation(timestampFormat: format)
        }
    }

    static func expectation(timestampFormat format: TimestampFormat) -> String {
        switch format {
        case .iso8601: "an RFC 3339 timestamp such as 2026-01-31T12:00:00Z (with Z or an offset)"
        case .epochSeconds: "seconds since the epoch such as 1767225600"
        case .epochMilliseconds: "milliseconds since the epoch such as 1767225600000"
        case .epochMicroseconds: "microseconds since the epoch such as 1767225600000000"
        }
    }
}
