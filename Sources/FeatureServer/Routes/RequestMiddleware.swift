import FeatureStoreKit
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// Around every request: gives it a request id (the caller's `X-Request-ID`, or a new one, on
/// every answer), checks who may ask (``AccessControl``), turns every error into its JSON answer
/// (client mistakes 4xx; anything else a 500 whose details go to the log, not to the client), and
/// counts and times it per endpoint, status and token name. Logs nothing for a normal request.
struct RequestMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics
    let logger: Logger
    let access: AccessControl
    /// Whether the web UI is served (`--no-ui` turns it off): only then does a 401 on a UI path
    /// answer with the sign-in page.
    let uiEnabled: Bool

    /// The endpoints, for a bounded label set (anything else is `other`).
    static var endpoints: Set<String> {
        [
            "/get-online-features", "/feast.serving.ServingService/GetOnlineFeatures", "/push",
            "/write-to-online-store", "/log/outcomes",
            "/materialize", "/materialize-incremental", "/health", "/metrics", "/feature-views", "/feature-services",
        ]
    }

    /// The metrics label of a path: the path of a fixed endpoint, the route's pattern for one
    /// with parameters (`/stats/{view}/{feature}`), `/ui` for every page of the web UI, else
    /// `other` (so that no caller can grow the label set).
    static func endpoint(of path: String) -> String {
        if endpoints.contains(path) { return path }
        if path == "/drift" { return path }
        if path == "/ui" || path.hasPrefix("/ui/") { return "/ui" }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 4, parts[1] == "stats", !parts[2].isEmpty, !parts[3].isEmpty {
            return "/stats/{view}/{feature}"
        }
        return "other"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let started = ContinuousClock.now
        let path = request.uri.path
        let endpoint = Self.endpoint(of: path)
        var scope = RequestScope(requestID: RequestScope.id(fromHeader: request.headers[.requestID]))
        var grant = AccessControl.Grant()
        var response: Response
        do {
            if let preflight = try access.check(request, grant: &grant) {
                response = preflight
            } else {
                scope.caller = grant.caller
                response = try await RequestScope.$current.withValue(scope) { try await next(request, context) }
            }
        } catch {
            scope.caller = grant.caller
            let apiError = answer(to: error, request: request, endpoint: endpoint, scope: scope)
            metrics.recordError(endpoint: endpoint, code: apiError.code, caller: scope.caller)
            if apiError.status == .unauthorized, request.method == .get, uiEnabled, UIAuth.isUIPage(path) {
                // A browser on a UI page: the sign-in form, not JSON.
                response = UIAuth.signInPage(
                    next: path, message: "This server needs a token; paste one to sign in.", status: .unauthorized)
            } else {
                response = apiError.response(requestID: scope.requestID)
            }
        }
        response.headers[.requestID] = scope.requestID
        if let corsOrigin = grant.corsOrigin {
            for field in OriginPolicy.corsHeaders(origin: corsOrigin) { response.headers[field.name] = field.value }
        }
        if AccessControl.requiredRole(path: path) == .admin {
            logger.info(
                "\(request.method) \(path) answered \(response.status.code)",
                metadata: ["request_id": "\(scope.requestID)", "token": "\(scope.caller ?? "-")"])
        }
        let elapsed = ContinuousClock.now - started
        let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        metrics.recordRequest(
            endpoint: endpoint, status: response.status.code, caller: scope.caller, nanoseconds: nanoseconds)
        return response
    }

    /// The API error for `error`, logged: a 5xx at `error` with its details and the request id, a
    /// client that went away at `debug`, a client mistake at `debug`.
    private func answer(to error: any Error, request: Request, endpoint: String, scope: RequestScope) -> APIError {
        let metadata: Logger.Metadata = [
            "request_id": "\(scope.requestID)", "endpoint": "\(endpoint)", "token": "\(scope.caller ?? "-")",
        ]
        let apiError: APIError
        switch error {
        case let known as APIError:
            apiError = known
        case let store as FeatureStoreError:
            apiError = APIError(store)
        case is ClientDisconnected:
            logger.debug(
                "the client went away during its request", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            return APIError(
                status: .init(code: 499, reasonPhrase: "Client Closed Request"), code: "client_closed_request",
                message: "the client closed the connection before its request was read")
        case let http as any HTTPResponseError where http.status == .notFound:
            apiError = APIError(
                status: .notFound, code: "not_found",
                message:
                    "no endpoint \(request.method) \(request.uri.path); see GET /health, POST /get-online-features, POST /push"
            )
        case let http as any HTTPResponseError where http.status.code < 500:
            apiError = APIError(
                status: http.status, code: http.status == .methodNotAllowed ? "method_not_allowed" : "http_error",
                message: "\(request.method) \(request.uri.path): \(http.status.reasonPhrase)")
        default:
            if let framing = APIError(framingError: error) {
                apiError = framing
            } else {
                apiError = APIError(wrapping: error)
            }
        }
        if apiError.status.code >= 500 {
            logger.error("request failed", metadata: metadata.merging(["error": "\(error)"]) { $1 })
        } else {
            logger.debug(
                "request refused",
                metadata: metadata.merging(["status": "\(apiError.status.code)", "code": "\(apiError.code)"]) { $1 })
        }
        return apiError
    }
}

/// The client closed (or reset) its connection while its request was being read.
struct ClientDisconnected: Error, CustomStringConvertible {
    var underlying: any Error
    var description: String { "client disconnected: \(underlying)" }
}
