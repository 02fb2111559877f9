import FeatureStoreKit
import Hummingbird
import Logging

/// Counts and times every request per endpoint and status, and turns every error into its JSON
/// answer (client mistakes 4xx; anything else a logged 500). Logs nothing for a normal request.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics
    let logger: Logger

    /// The endpoints, for a bounded label set (anything else is `other`).
    static var endpoints: Set<String> {
        [
            "/get-online-features", "/feast.serving.ServingService/GetOnlineFeatures", "/push",
            "/write-to-online-store",
            "/materialize", "/materialize-incremental", "/health", "/metrics", "/feature-views", "/feature-services",
        ]
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let started = ContinuousClock.now
        let path = request.uri.path
        let endpoint = Self.endpoints.contains(path) ? path : "other"
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            let apiError: APIError
            if let known = error as? APIError {
                apiError = known
            } else if error is FeatureStoreError {
                apiError = APIError(wrapping: error)
            } else if let http = error as? any HTTPResponseError {
                let code =
                    http.status == .notFound
                    ? "not_found" : http.status == .methodNotAllowed ? "method_not_allowed" : "http_error"
                let message =
                    http.status == .notFound
                    ? "no endpoint \(request.method) \(path); see GET /health, POST /get-online-features, POST /push"
                    : "\(request.method) \(path): \(http.status.reasonPhrase)"
                apiError = APIError(status: http.status, code: code, message: message)
            } else {
                apiError = APIError(wrapping: error)
            }
            if apiError.status.code >= 500 {
                logger.error("request failed", metadata: ["endpoint": "\(endpoint)", "error": "\(error)"])
            }
            metrics.recordError(endpoint: endpoint, code: apiError.code)
            record(endpoint: endpoint, status: apiError.status.code, since: started)
            return try apiError.response(from: request, context: context)
        }
        record(endpoint: endpoint, status: response.status.code, since: started)
        return response
    }

    private func record(endpoint: String, status: Int, since started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        metrics.recordRequest(endpoint: endpoint, status: status, nanoseconds: nanoseconds)
    }
}
