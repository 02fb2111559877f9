import FeatureStoreKit
import Hummingbird
import Logging

extension FeatureServer {
    /// `GET /health` and `GET /metrics`.
    func addHealthRoutes(to router: Router<BasicRequestContext>) {
        router.get("/health") { _, _ in try await self.health() }
        router.get("/metrics") { _, _ in try await self.renderMetrics() }
    }

    /// 200 when the registry and both stores answer, 503 naming the failure otherwise.
    func health() async throws -> Response {
        do {
            try await store.check()
        } catch {
            let requestID = RequestScope.current?.requestID ?? "-"
            logger.warning("not healthy", metadata: ["request_id": "\(requestID)", "error": "\(error)"])
            throw APIError(
                status: .serviceUnavailable, code: "unavailable",
                message:
                    "not healthy: the registry or a store does not answer; the server log has the details under request id \(requestID)"
            )
        }
        return Response.json(Array(#"{"status":"ok","registry_version":\#(state.current.version)}"#.utf8))
    }

    /// The Prometheus text, with the watermark and lag of every materialized view refreshed.
    func renderMetrics() async throws -> Response {
        let snapshot = state.current.snapshot
        if let marks = try? await store.watermarks(for: snapshot) {
            let now = clock()
            for view in snapshot.definitions.featureViews where view.online {
                guard let mark = marks[view.name] else { continue }
                let watermark = Double(mark.watermark.microseconds) / 1e6
                metrics.recordWatermark(
                    view: view.name, watermarkSeconds: watermark, lagSeconds: Double(now.microseconds) / 1e6 - watermark
                )
            }
        }
        return Response.text(metrics.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }
}
