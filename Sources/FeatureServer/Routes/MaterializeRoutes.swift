import FeatureStoreKit
import Foundation
import HTTPTypes
import Hummingbird

extension FeatureServer {
    /// `POST /materialize` (`{"start_ts", "end_ts", "feature_views"}`) and
    /// `POST /materialize-incremental` (`{"end_ts", "feature_views"}`), as in Feast; the answer
    /// is the ``MaterializationReport``.
    func addMaterializeRoutes(to router: Router<BasicRequestContext>) {
        router.post("/materialize") { request, _ in
            let body = try await self.json(of: request)
            let start = try self.timestamp(body, "start_ts")
            let end = try self.timestamp(body, "end_ts")
            guard start <= end else {
                throw APIError.badRequest("\"start_ts\" \(start.rfc3339) is after \"end_ts\" \(end.rfc3339); swap them")
            }
            let views = try Self.viewNames(body)
            let report = try await self.stores.materialize(
                from: start, to: end, views: views, trigger: Self.trigger(of: request))
            return try Self.encode(report)
        }
        router.post("/materialize-incremental") { request, _ in
            let body = try await self.json(of: request)
            let end = try self.timestamp(body, "end_ts")
            let views = try Self.viewNames(body)
            let report = try await self.stores.materializeIncremental(
                to: end, views: views, trigger: Self.trigger(of: request))
            return try Self.encode(report)
        }
    }

    /// Who the run is recorded for: `fs materialize` handing its run over sends `X-FS-Trigger: cli`.
    static func trigger(of request: Request) -> MaterializationRun.Trigger {
        request.headers[triggerHeader] == "cli" ? .cliViaServer : .requested
    }

    static let triggerHeader = HTTPField.Name("X-FS-Trigger")!

    /// A required timestamp member: RFC 3339, `now`, or seconds since the epoch.
    func timestamp(_ body: JSONValue, _ key: String) throws -> Timestamp {
        guard let value = body[key], value != .null else {
            throw APIError.badRequest(
                "missing \"\(key)\": give an RFC 3339 time such as \"2026-11-19T00:00:00Z\" or \"now\"")
        }
        if case .string(let text) = value, text == "now" { return clock() }
        guard case .timestamp(let time) = try value.featureValue(as: .timestamp, at: key) else {
            throw APIError.badRequest("\"\(key)\" is not a time; give RFC 3339 or \"now\"")
        }
        return time
    }

    /// `feature_views`: `nil` (all online views) when absent, null or empty.
    ///
    /// - Throws: 400 for a name that is not a string or is listed twice (each listing would run
    ///   the view's materialization again, holding the store for nothing).
    static func viewNames(_ body: JSONValue) throws -> [String]? {
        switch body["feature_views"] {
        case nil, .null?: return nil
        case .array(let items)?:
            if items.isEmpty { return nil }
            var seen = Set<String>()
            return try items.enumerated().map { index, item in
                guard case .string(let name) = item else {
                    throw APIError.badRequest(
                        "\"feature_views\" holds \(item.shortDescription); give view names as strings")
                }
                guard seen.insert(name).inserted else {
                    throw APIError.badRequest(
                        "feature_views[\(index)] lists '\(String(name.prefix(100)))' again; list each view once")
                }
                return name
            }
        case let other?:
            throw APIError.badRequest("\"feature_views\" is \(other.kindDescription); give an array of view names")
        }
    }

    static func encode(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response.json(Array(try encoder.encode(value)))
    }
}
