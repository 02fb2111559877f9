import FeatureStoreKit
import Foundation
import Hummingbird

/// Who may ask what: the `Host` check, the `Origin` allow-list, bearer tokens and their roles, and
/// the `Content-Type` of POST bodies. One value per server, checked before any route runs.
struct AccessControl: Sendable {
    /// `nil` when authentication is off.
    let authenticator: TokenAuthenticator?
    let hosts: HostPolicy
    let origins: OriginPolicy
    /// The UI's sign-in sessions (``UISessions``): a session cookie stands for the `read` role
    /// on the UI's pages and its lookup form only.
    let sessions = UISessions()

    /// The policy of `feature_store.yaml` for a server bound to `host`.
    ///
    /// - Throws: `invalidArgument` when a token's secret cannot be read (see ``TokenAuthenticator``).
    init(config: RepoConfig, host: String, environment: [String: String]) throws {
        authenticator = try config.auth.map { try TokenAuthenticator($0, environment: environment) }
        hosts = HostPolicy(boundHost: host, allowedHosts: config.allowedHosts)
        origins = OriginPolicy(corsOrigins: config.corsOrigins)
    }

    /// What a request was granted.
    struct Grant: Sendable {
        /// The token's name; `nil` without authentication.
        var caller: String?
        /// The allowed cross-origin page asking, whose answer carries CORS headers.
        var corsOrigin: String?
    }

    /// The role `path` needs: `read` for lookups, listings and metrics (and unknown paths, so
    /// they reveal nothing without a token), `write` for pushes, `admin` for materializations,
    /// none for `/health` (probes carry no token).
    static func requiredRole(path: String) -> RepoConfig.Role? {
        switch path {
        case "/health", UIAuth.signInPath, UIAuth.signOutPath, "/ui/style.css": nil
        case "/push", "/write-to-online-store", "/log/outcomes": .write
        case "/materialize", "/materialize-incremental": .admin
        default: .read
        }
    }

    /// Checks `request`, filling `grant` as it goes (so an error answer to an allowed origin still
    /// carries CORS headers); a preflight from an allowed origin is answered at once.
    ///
    /// - Returns: the preflight's answer, if it is one.
    /// - Throws: ``APIError`` 403 for a foreign `Host` or `Origin`, 401 for a missing or unknown
    ///   token, 403 for a token without the role, 415 for a POST body that is not JSON.
    func check(_ request: Request, grant: inout Grant) throws -> Response? {
        let host = request.head.authority
        guard hosts.allows(host) else {
            throw APIError(
                status: .forbidden, code: "forbidden_host",
                message:
                    "this server does not answer to the host '\(String((host ?? "").prefix(100)))'; call it by its address, or list the name under allowed_hosts in feature_store.yaml"
            )
        }
        switch origins.decide(origin: request.headers[.origin], host: host) {
        case .noOrigin, .sameOrigin: break
        case .allowed(let origin):
            grant.corsOrigin = origin
            if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
                return OriginPolicy.preflightResponse(origin: origin)
            }
        case .refused(let origin):
            throw APIError(
                status: .forbidden, code: "forbidden_origin",
                message:
                    "requests from the web origin '\(String(origin.prefix(100)))' are not allowed; list it under cors_origins in feature_store.yaml to let its pages call this server"
            )
        }
        if let authenticator, let role = Self.requiredRole(path: request.uri.path) {
            let endpoint = "\(request.method) \(request.uri.path)"
            if request.headers[.authorization] == nil, role == .read,
                UIAuth.acceptsSessionCookie(method: request.method, path: request.uri.path),
                let id = UISessions.sessionID(inCookieHeader: request.headers[.cookie]),
                let name = sessions.tokenName(of: id)
            {
                grant.caller = name
            } else {
                let token = try authenticate(
                    request.headers[.authorization], with: authenticator, role: role, endpoint: endpoint, via: .header)
                grant.caller = token.name
                try Self.require(role, of: token, endpoint: endpoint)
            }
        }
        if request.method == .post, !UIAuth.takesForm(path: request.uri.path), let type = request.headers[.contentType],
            !Self.isJSON(type)
        {
            throw APIError(
                status: .unsupportedMediaType, code: "unsupported_media_type",
                message:
                    "the request body is '\(String(type.prefix(100)))'; send JSON with Content-Type: application/json"
            )
        }
        return nil
    }

    /// Where a caller sends its bearer token, for the messages that say how to send it.
    enum TokenCarrier: Sendable {
        /// HTTP's `Authorization` header.
        case header
        /// gRPC's `authorization` metadata (the same header on HTTP/2).
        case metadata

        var name: String { self == .header ? "the Authorization header" : "the authorization metadata" }
        var example: String { self == .header ? "Authorization: Bearer TOKEN" : "authorization: Bearer TOKEN" }
        var sendIt: String {
            self == .header
                ? "send it as Authorization: Bearer TOKEN" : "send it as metadata authorization: Bearer TOKEN"
        }
    }

    /// The token of `Bearer TOKEN` in `value` (an `Authorization` header or gRPC metadata), if it
    /// is one of the server's (`role` and `endpoint` are for the message).
    ///
    /// - Throws: ``APIError`` 401 for a missing, malformed or unknown token.
    func authenticate(
        _ value: String?, with authenticator: TokenAuthenticator, role: RepoConfig.Role, endpoint: String,
        via carrier: TokenCarrier
    ) throws -> TokenAuthenticator.Token {
        guard let value else {
            throw APIError(
                status: .unauthorized, code: "unauthenticated",
                message: "\(endpoint) needs a token with the \(role.rawValue) role; \(carrier.sendIt)",
                headers: [.wwwAuthenticate: #"Bearer realm="fs""#])
        }
        guard let presented = Self.bearerToken(value) else {
            throw APIError(
                status: .unauthorized, code: "unauthenticated",
                message: "\(carrier.name) is not a bearer token; send \(carrier.example)",
                headers: [.wwwAuthenticate: #"Bearer realm="fs", error="invalid_request""#])
        }
        guard let token = authenticator.match(presented) else {
            throw APIError(
                status: .unauthorized, code: "unauthenticated",
                message: "the bearer token is not one of this server's tokens (auth in feature_store.yaml)",
                headers: [.wwwAuthenticate: #"Bearer realm="fs", error="invalid_token""#])
        }
        return token
    }

    /// - Throws: ``APIError`` 403 naming the token, the role `endpoint` needs and the token's roles.
    static func require(_ role: RepoConfig.Role, of token: TokenAuthenticator.Token, endpoint: String) throws {
        guard !token.roles.contains(role) else { return }
        let roles = RepoConfig.Role.allCases.filter(token.roles.contains).map(\.rawValue)
        throw APIError(
            status: .forbidden, code: "permission_denied",
            message:
                "token '\(token.name)' may not call \(endpoint): it needs the \(role.rawValue) role, and the token has \(roles.joined(separator: ", "))",
            headers: [.wwwAuthenticate: #"Bearer realm="fs", error="insufficient_scope""#])
    }

    /// The token of `Bearer TOKEN` (the scheme in any case, spaces around the token dropped), as
    /// bytes of the header; `nil` for another scheme or no token.
    static func bearerToken(_ header: String) -> Substring.UTF8View? {
        var bytes = Substring(header).utf8
        let scheme = "bearer".utf8
        guard bytes.count > scheme.count,
            zip(bytes, scheme).allSatisfy({ $0 | 0x20 == $1 }),
            bytes[bytes.index(bytes.startIndex, offsetBy: scheme.count)] == UInt8(ascii: " ")
        else { return nil }
        bytes = bytes.dropFirst(scheme.count)
        while bytes.first == UInt8(ascii: " ") { bytes = bytes.dropFirst() }
        while bytes.last == UInt8(ascii: " ") { bytes = bytes.dropLast() }
        return bytes.isEmpty ? nil : bytes
    }

    /// `application/json`, with any parameters (`; charset=utf-8`).
    static func isJSON(_ contentType: String) -> Bool {
        if contentType == "application/json" { return true }
        let media = contentType.split(separator: ";", maxSplits: 1).first ?? ""
        return media.trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
    }
}
