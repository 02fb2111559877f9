import FeatureStoreKit

/// Writes Feast's lookup response, byte for byte what ``FeastJSON/encode(_:)`` writes, without
/// per-value allocations: numbers and RFC 3339 timestamps are formatted in place, and a
/// timestamp equal to the previous one in its column is copied rather than formatted again (rows
/// of one materialization share their event time; join keys all carry the epoch).
enum FeastResponseWriter {
    static func encode(_ response: OnlineFeaturesResponse) -> [UInt8] {
        let rows = response.columns.first?.count ?? 0
        var out: [UInt8] = []
        out.reserveCapacity(64 + response.columns.count * (64 + rows * 40))
        out.append(literal: #"{"metadata":{"feature_names":["#)
        for (index, name) in response.featureNames.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            FeastJSON.appendString(name, to: &out)
        }
        out.append(literal: #"]},"results":["#)
        var timestamp = TimestampCache()
        for (index, column) in response.columns.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(literal: #"{"values":["#)
            for (row, value) in column.enumerated() {
                if row > 0 { out.append(UInt8(ascii: ",")) }
                appendValue(value.value, to: &out)
            }
            out.append(literal: #"],"statuses":["#)
            for (row, value) in column.enumerated() {
                if row > 0 { out.append(UInt8(ascii: ",")) }
                switch value.status {
                case .present: out.append(literal: #""PRESENT""#)
                case .notFound: out.append(literal: #""NOT_FOUND""#)
                case .nullValue: out.append(literal: #""NULL_VALUE""#)
                case .outsideMaxAge: out.append(literal: #""OUTSIDE_MAX_AGE""#)
                }
            }
            out.append(literal: #"],"event_timestamps":["#)
            for (row, value) in column.enumerated() {
                if row > 0 { out.append(UInt8(ascii: ",")) }
                out.append(UInt8(ascii: "\""))
                timestamp.append((value.eventTime ?? Timestamp(microseconds: 0)).microseconds, to: &out)
                out.append(UInt8(ascii: "\""))
            }
            out.append(literal: "]}")
        }
        out.append(literal: "]}")
        return out
    }

    static func appendValue(_ value: FeatureValue, to out: inout [UInt8]) {
        switch value {
        case .int64(let v): appendInteger(v, to: &out)
        case .bool(let v): out.append(literal: v ? "true" : "false")
        case .null: out.append(literal: "null")
        case .float64, .string, .bytes, .timestamp: FeastJSON.appendValue(value, to: &out)
        }
    }

    static func appendInteger(_ value: Int64, to out: inout [UInt8]) {
        if value == .min {
            out.append(literal: "-9223372036854775808")
            return
        }
        var magnitude = value < 0 ? UInt64(-value) : UInt64(value)
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: enough for 20 digits
        withUnsafeMutableBytes(of: &scratch) { buffer in
            var index = buffer.count
            repeat {
                index -= 1
                buffer[index] = UInt8(truncatingIfNeeded: magnitude % 10) &+ 48
                magnitude /= 10
            } while magnitude > 0
            out.append(contentsOf: buffer[index...])
        }
    }
}

/// RFC 3339 formatting with a one-entry cache.
struct TimestampCache {
    private var last: Int64?
    private var bytes: [UInt8] = []

    mutating func append(_ microseconds: Int64, to out: inout [UInt8]) {
        if microseconds != last {
            bytes.removeAll(keepingCapacity: true)
            Self.format(microseconds, into: &bytes)
            last = microseconds
        }
        out.append(contentsOf: bytes)
    }

    /// `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`, as `Timestamp.rfc3339` writes it.
    static func format(_ microseconds: Int64, into out: inout [UInt8]) {
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
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = month <= 2 ? yoe + era * 400 + 1 : yoe + era * 400
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

extension Array where Element == UInt8 {
    /// Appends a literal's UTF-8 bytes without creating a `String`.
    @inline(__always)
    mutating func append(literal: StaticString) {
        literal.withUTF8Buffer { append(contentsOf: $0) }
    }
}
