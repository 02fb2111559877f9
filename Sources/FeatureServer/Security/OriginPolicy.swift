import Hummingbird

/// Which browser origins may call the server (`cors_origins`, empty by default).
///
/// A request with an `Origin` header comes from a web page. It is answered when the page is
/// served by this server itself (same origin) or its origin is listed; any other is refused with
/// 403 and no CORS headers, so a page a developer happens to open cannot push values or start
/// materializations.
struct OriginPolicy: Sendable {
    let allowed: Set<String>

    init(corsOrigins: [String]) { allowed = Set(corsOrigins.map { $0.lowercased() }) }

    enum Decision: Equatable {
        /// No `Origin` (not a browser, or a same-origin GET): nothing to add.
        case noOrigin
        /// The page is served by this server.
        case sameOrigin
        /// A listed origin: answer with CORS headers naming it.
        case allowed(String)
        case refused(String)
    }

    func decide(origin: String?, host: String?) -> Decision {
        guard let origin else { return .noOrigin }
        let normalized = origin.lowercased()
        if let host, normalized == "http://" + host.lowercased() || normalized == "https://" + host.lowercased() {
            return .sameOrigin
        }
        return allowed.contains(normalized) ? .allowed(origin) : .refused(origin)
    }

    /// The CORS headers of an answer to an allowed origin.
    static func corsHeaders(origin: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[.accessControlAllowOrigin] = origin
        headers[.accessControlExposeHeaders] = "X-Request-ID"
        headers[.vary] = "Origin"
        return headers
    }

    /// The answer to a preflight (`OPTIONS` with `Access-Control-Request-Method`) from an allowed origin.
    static func preflightResponse(origin: String) -> Response {
        var headers = corsHeaders(origin: origin)
        headers[.accessControlAllowMethods] = "GET, POST"
        headers[.accessControlAllowHeaders] = "Authorization, Content-Type, X-Request-ID"
        headers[.accessControlMaxAge] = "600"
        headers[.contentLength] = "0"
        return Response(status: .noContent, headers: headers)
    }
}
