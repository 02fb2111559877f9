import FeatureStoreKit
import Hummingbird
import Logging

extension FeatureServer {
    /// `GET /health` and `GET /metrics`: both answer from what the background work recorded, never
    /// waiting for store work.
    func addHealthRoutes(to router: Router<BasicRequestContext>) {
        router.get("/health") { _, _ in try self.health() }
        router.get("/metrics") { _, _ in self.renderMetrics() }
    }

    /// 200 when the latest check of the registry and both stores (``StoreHealth``, once a second)
    /// succeeded; 503 when it failed, or when a check has been running longer than
    /// its deadline (5 s).
    func health() throws -> Response {
        let problem: String
        switch stores.health.status {
        case .healthy:
            return Response.json(Array(#"{"status":"ok","registry_version":\#(state.current.version)}"#.utf8))
        case .failing(let error):
            problem = error
        case .notAnswering(let duration):
            problem = "a check of the registry and the stores has not finished in \(duration.shortDescription)"
        }
        let requestID = RequestScope.current?.requestID ?? "-"
        logger.warning("not healthy", metadata: ["request_id": "\(requestID)", "error": "\(problem)"])
        throw APIError(
            status: .serviceUnavailable, code: "unavailable",
            message:
                "not healthy: the registry or a store does not answer; the server log has the details under request id \(requestID)"
        )
    }

    /// The Prometheus text, with the watermark and lag of every materialized view (watermarks as
    /// last read, lag to now).
    func renderMetrics() -> Response {
        let snapshot = state.current.snapshot
        let marks = stores.watermarks.current
        let now = clock()
        for view in snapshot.definitions.featureViews where view.online {
            guard let mark = marks[view.name] else { continue }
            let watermark = Double(mark.watermark.microseconds) / 1e6
            metrics.recordWatermark(
                view: view.name, watermarkSeconds: watermark, lagSeconds: Double(now.microseconds) / 1e6 - watermark)
        }
        return Response.text(metrics.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }
}
