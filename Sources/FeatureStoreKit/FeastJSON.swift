import FeatureStoreCore

/// Feast's JSON for online lookups: the one writer of it (`fs serve` answers with it on every
/// lookup, `fs get-online-features` prints it).
///
/// `{"metadata": {"feature_names": [...]}, "results": [{"values": [...], "statuses": [...],
/// "event_timestamps": [...]}, ...]}`: `results[i]` is `feature_names[i]`, and `values[j]` is entity
/// row `j`. Timestamps are RFC 3339 UTC; `bytes` are base64; non-finite floats are null; strings
/// are escaped by ``JSONString``.
///
/// Written straight to bytes without a `String` per value: numbers and timestamps are formatted in
/// place, and a timestamp equal to the previous one in its column is copied rather than formatted
/// again (rows of one materialization share their event time; join keys all carry the epoch).
public enum FeastJSON {
    public static func encode(_ response: OnlineFeaturesResponse) -> [UInt8] {
        let rows = response.columns.first?.count ?? 0
        var out: [UInt8] = []
        out.reserveCapacity(64 + response.columns.count * (64 + rows * 40))
        out.append(literal: #"{"metadata":{"feature_names":["#)
        for (index, name) in response.featureNames.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONString.append(name, to: &out)
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

    /// Appends one value as JSON: numbers and booleans bare, null for null and non-finite floats,
    /// strings escaped, bytes as base64 strings, timestamps as RFC 3339 strings.
    public static func appendValue(_ value: FeatureValue, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(literal: "null")
        case .int64(let v): appendInteger(v, to: &out)
        case .float64(let v):
            if v.isFinite { v.appendDescription(to: &out) } else { out.append(literal: "null") }
        case .bool(let v): out.append(literal: v ? "true" : "false")
        case .string(let v): JSONString.append(v, to: &out)
        case .bytes(let v): JSONString.append(encodeBase64(v), to: &out)
        case .timestamp(let v):
            out.append(UInt8(ascii: "\""))
            v.appendRFC3339(to: &out)
            out.append(UInt8(ascii: "\""))
        }
    }

    /// Appends a decimal integer without making a `String`.
    static func appendInteger(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var index = 20
            repeat {
                index -= 1
                digits[index] = UInt8(truncatingIfNeeded: magnitude % 10) &+ UInt8(ascii: "0")
                magnitude /= 10
            } while magnitude > 0
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[index...]))
        }
    }
}

/// RFC 3339 formatting with a one-entry cache.
private struct TimestampCache {
    private var last: Int64?
    private var bytes: [UInt8] = []

    mutating func append(_ microseconds: Int64, to out: inout [UInt8]) {
        if microseconds != last {
            bytes.removeAll(keepingCapacity: true)
            Timestamp(microseconds: microseconds).appendRFC3339(to: &bytes)
            last = microseconds
        }
        out.append(contentsOf: bytes)
    }
}

extension Array where Element == UInt8 {
    /// Appends a literal's UTF-8 bytes without creating a `String`.
    @inline(__always)
    fileprivate mutating func append(literal: StaticString) {
        literal.withUTF8Buffer { append(contentsOf: $0) }
    }
}
