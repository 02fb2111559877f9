import FeatureStoreKit
import Hummingbird
import HummingbirdCore

/// The query parameters of `GET /stats` and `GET /drift`, checked: an unknown parameter, a
/// parameter given twice or a value that does not parse is a 400 naming it.
struct MonitoringQuery {
    private var values: [String: String] = [:]

    /// - Throws: 400 for a parameter not in `known` or given twice.
    init(_ uri: URI, known: [String]) throws {
        for (name, value) in uri.queryParameters {
            let name = String(name)
            guard known.contains(name) else {
                throw APIError.badRequest(
                    "unknown query parameter '\(String(name.prefix(100)))'; this endpoint takes \(known.joined(separator: ", "))"
                )
            }
            guard values[name] == nil else {
                throw APIError.badRequest("query parameter '\(name)' is given twice; give it once")
            }
            values[name] = String(value)
        }
    }

    /// A string parameter, `nil` when absent or empty.
    func string(_ name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    func has(_ name: String) -> Bool { string(name) != nil }

    /// `offline` (default) or `served`.
    func source() throws -> ProfileSourceKind {
        guard let text = string("source") else { return .offline }
        guard let kind = ProfileSourceKind(rawValue: text), kind != .baseline else {
            throw APIError.badRequest(
                "source '\(String(text.prefix(100)))' is not a profile source; give offline or served")
        }
        return kind
    }

    /// A positive window length up to 366 days (`1h`, `1d`, `7d`).
    func window() throws -> TimeSpan? {
        guard let text = string("window") else { return nil }
        guard let span = TimeSpan(parsing: text), span > .zero, span <= DurationLimits.window else {
            throw APIError.badRequest(
                "window '\(String(text.prefix(100)))' is not a positive duration up to 366d; give e.g. 1h, 1d or 7d")
        }
        return span
    }

    /// A time: RFC 3339 or `now`.
    func time(_ name: String, now: Timestamp) throws -> Timestamp? {
        guard let text = string(name) else { return nil }
        if text == "now" { return now }
        do {
            return try Timestamp.parsing(text)
        } catch {
            throw APIError.badRequest(
                "\(name) '\(String(text.prefix(100)))' is not a time (\(error.reason)); give RFC 3339 such as 2026-11-19T00:00:00Z, or now"
            )
        }
    }
}
