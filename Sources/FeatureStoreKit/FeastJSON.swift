import FeatureStoreCore

/// Writes online responses as Feast's JSON, straight to bytes (this runs on every lookup).
///
/// `{"metadata": {"feature_names": [...]}, "results": [{"values": [...], "statuses": [...],
/// "event_timestamps": [...]}, ...]}`: `results[i]` is `feature_names[i]`, and `values[j]` is entity
/// row `j`. Timestamps are RFC 3339 UTC; `bytes` are base64; non-finite floats are null.
public enum FeastJSON {
    public static func encode(_ response: OnlineFeaturesResponse) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + response.columns.count * (48 + (response.columns.first?.count ?? 0) * 48))
        out += Array(#"{"metadata":{"feature_names":["#.utf8)
        for (index, name) in response.featureNames.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendString(name, to: &out)
        }
        out += Array(#"]},"results":["#.utf8)
        for (index, column) in response.columns.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out += Array(#"{"values":["#.utf8)
            for (row, value) in column.enumerated() {
                if row > 0 { out.append(UInt8(ascii: ",")) }
                appendValue(value.value, to: &out)
            }
            out += Array(#"],"statuses":["#.utf8)
            for (row, value) in column.enumerated() {
                if row > 0 { out.append(UInt8(ascii: ",")) }
                out.append(UInt8(ascii: "\""))
                out += value.status.rawValue.utf8
                out.append(UInt8(ascii: "\""))
            }
            out += Array(#"],"event_timestamps":["#.utf8)
            for (row, value) in column.enumerated() {
                if row > 0 { out.append(UInt8(ascii: ",")) }
                out.append(UInt8(ascii: "\""))
                out += (value.eventTime ?? Timestamp(microseconds: 0)).rfc3339.utf8
                out.append(UInt8(ascii: "\""))
            }
            out += Array("]}".utf8)
        }
        out += Array("]}".utf8)
        return out
    }

    /// Appends one value as JSON.
    public static func appendValue(_ value: FeatureValue, to out: inout [UInt8]) {
        switch value {
        case .null: out += Array("null".utf8)
        case .int64(let v): out += String(v).utf8
        case .float64(let v): if v.isFinite { v.appendDescription(to: &out) } else { out += Array("null".utf8) }
        case .bool(let v): out += Array((v ? "true" : "false").utf8)
        case .string(let v): appendString(v, to: &out)
        case .bytes(let v): appendString(encodeBase64(v), to: &out)
        case .timestamp(let v): appendString(v.rfc3339, to: &out)
        }
    }

    /// Appends a JSON string literal, escaping quotes, backslashes and control characters.
    public static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += [
                    UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)],
                    hex[Int(byte & 15)],
                ]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
