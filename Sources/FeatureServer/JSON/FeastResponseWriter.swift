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
        Timestamp(microseconds: microseconds).appendRFC3339(to: &out)
    }
}

extension Array where Element == UInt8 {
    /// Appends a literal's UTF-8 bytes without creating a `String`.
    @inline(__always)
    mutating func append(literal: StaticString) {
        literal.withUTF8Buffer { append(contentsOf: $0) }
    }
}
