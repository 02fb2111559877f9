import FeatureStoreKit
import Hummingbird

extension FeatureServer {
    /// `GET /stats/{view}/{feature}` (what `fs stats VIEW:FEATURE --json` prints) and
    /// `GET /drift?service=S` (what `fs drift --json` prints), computed on the monitoring lane.
    func addMonitoringRoutes(to router: Router<BasicRequestContext>) {
        router.get("/stats/:view/:feature") { request, context in
            let view = try context.parameters.require("view")
            let feature = try context.parameters.require("feature")
            let statsRequest = try await self.statsRequest(
                reference: "\(view):\(feature)",
                query: MonitoringQuery(request.uri, known: ["source", "window", "from", "to", "baseline"]))
            // Over the snapshot the server serves: reading and decoding the registry per request
            // was most of the time with hundreds of views.
            return try Self.encode(
                try await self.monitoring.stats(statsRequest, snapshot: self.state.current.snapshot))
        }
        router.get("/drift") { request, _ in
            let query = try MonitoringQuery(request.uri, known: ["service", "baseline", "window", "source", "fail_on"])
            guard let service = query.string("service") else {
                throw APIError.badRequest(
                    "missing query parameter 'service': give the feature service, /drift?service=NAME")
            }
            let rules: [DriftRule]
            do {
                rules = try query.string("fail_on").map(DriftRule.parseList) ?? []
            } catch let error as FeatureStoreError {
                throw APIError.badRequest("fail_on: \(error.message)")
            }
            let report = try await self.monitoring.drift(
                DriftRequest(
                    service: service, baseline: query.string("baseline"), window: try query.window(),
                    source: try query.source(), rules: rules))
            return try Self.encode(report)
        }
    }

    /// The ``StatsRequest`` of a `/stats` query, with the same rules as `fs stats`.
    func statsRequest(reference: String, query: MonitoringQuery) async throws -> StatsRequest {
        let window = try query.window()
        if window != nil && (query.has("from") || query.has("to")) {
            throw APIError.badRequest("give either window or from/to, not both")
        }
        let baseline = query.string("baseline")
        if baseline != nil && (window != nil || query.has("from") || query.has("to") || query.has("source")) {
            throw APIError.badRequest("a baseline is one profile: baseline takes no window, from, to or source")
        }
        let now = clock()
        var request = StatsRequest(
            reference: reference, source: try query.source(), baseline: baseline,
            from: try query.time("from", now: now),
            to: try query.time("to", now: now))
        if let window {
            let range = try await monitoring.window(window)
            request.from = range.start
            request.to = range.end
        }
        return request
    }
}
