import FeatureStoreKit
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Mustache

/// Signing in to the UI when the server has `auth:` tokens: a browser sends no bearer token, so
/// `/ui/sign-in` takes one pasted by the user, checks it and answers with a session cookie
/// (``UISessions``; HttpOnly, SameSite=Strict, Secure over TLS). The cookie is accepted for
/// GET of the UI's pages and for the lookup form's `POST /get-online-features`, with the `read`
/// role only: never for pushes, writes, outcomes or materializations. The token is never logged,
/// echoed or stored in the cookie.
enum UIAuth {
    static let signInPath = "/ui/sign-in"
    static let signOutPath = "/ui/sign-out"

    /// Whether a session cookie may stand for the `read` role on this request.
    static func acceptsSessionCookie(method: HTTPRequest.Method, path: String) -> Bool {
        switch method {
        case .get, .head: isUIPage(path)
        case .post: path == "/get-online-features"
        default: false
        }
    }

    /// The sign-in and sign-out forms post `application/x-www-form-urlencoded`, not JSON.
    static func takesForm(path: String) -> Bool { path == signInPath || path == signOutPath }

    static func isUIPage(_ path: String) -> Bool { path == "/ui" || path.hasPrefix("/ui/") }

    /// Where to go after signing in: a UI page, never another site (`//host`) or another path.
    static func destination(_ next: String?) -> String {
        guard let next, isUIPage(next), !next.contains("//"), !next.contains("\\") else { return "/ui" }
        return next
    }

    /// The sign-in page, with `status` (401 when it answers a page that needs a token).
    static func signInPage(next: String, message: String?, status: HTTPResponse.Status) -> Response {
        var context: [String: Any] = ["title": "Sign in", "next": destination(next)]
        if let message { context["message"] = message }
        var response = Response.html(UITemplates.library.render(context, withTemplate: "signIn") ?? "", status: status)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// The fields of an `application/x-www-form-urlencoded` body.
    static func formFields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            guard let key = parts.first else { continue }
            fields[decode(key)] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    static func redirect(to location: String, cookie: String?) -> Response {
        var response = Response(status: .seeOther)
        response.headers[.location] = location
        response.headers[.cacheControl] = "no-store"
        if let cookie { response.headers[.setCookie] = cookie }
        return response
    }
}

extension FeatureServer {
    /// `GET /ui/sign-in` (the form), `POST /ui/sign-in` (checks the token, sets the session
    /// cookie) and `POST /ui/sign-out` (ends the session, clears the cookie).
    func addUIAuthRoutes(to router: Router<BasicRequestContext>) {
        let secure = tls != nil
        router.get(RouterPath(stringLiteral: UIAuth.signInPath)) { request, _ in
            let next = request.uri.queryParameters["next"].map(String.init) ?? "/ui"
            guard self.access.authenticator != nil else {
                return UIAuth.redirect(to: UIAuth.destination(next), cookie: nil)
            }
            return UIAuth.signInPage(next: next, message: nil, status: .ok)
        }
        router.post(RouterPath(stringLiteral: UIAuth.signInPath)) { request, _ in
            let body = try await self.body(of: request)
            let fields = UIAuth.formFields(String(buffer: body))
            let next = UIAuth.destination(fields["next"])
            guard let authenticator = self.access.authenticator else { return UIAuth.redirect(to: next, cookie: nil) }
            let presented = (fields["token"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard !presented.isEmpty, let token = authenticator.match(Array(presented.utf8)) else {
                return UIAuth.signInPage(
                    next: next, message: "That is not one of this server's tokens (auth in feature_store.yaml).",
                    status: .unauthorized)
            }
            guard token.roles.contains(.read) else {
                return UIAuth.signInPage(
                    next: next, message: "Token '\(token.name)' has no read role; the UI needs one that has.",
                    status: .forbidden)
            }
            let id = self.access.sessions.open(tokenName: token.name)
            self.logger.info("UI sign-in", metadata: ["token": "\(token.name)"])
            return UIAuth.redirect(to: next, cookie: UISessions.setCookie(id, secure: secure))
        }
        router.post(RouterPath(stringLiteral: UIAuth.signOutPath)) { request, _ in
            if let id = UISessions.sessionID(inCookieHeader: request.headers[.cookie]) {
                self.access.sessions.close(id)
            }
            return UIAuth.redirect(to: UIAuth.signInPath, cookie: UISessions.setCookie(nil, secure: secure))
        }
    }
}
