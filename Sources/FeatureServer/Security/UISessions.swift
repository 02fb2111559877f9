import Foundation
import Synchronization

/// The UI's sign-in sessions: a browser that pasted a valid token on `/ui/sign-in` gets a random
/// session id in an HttpOnly, SameSite=Strict cookie; the token itself never leaves the server's
/// memory, and the cookie grants the `read` role only, for the UI's pages and its lookup form.
///
/// Sessions live in memory (a restart signs everyone out) for ``lifetime``; at most
/// ``capacity`` are kept (the oldest go first).
final class UISessions: Sendable {
    struct Session: Sendable {
        /// The token's name, for logs and metrics.
        var tokenName: String
        var expires: ContinuousClock.Instant
    }

    static let cookieName = "fs_session"
    static let lifetime = Duration.seconds(12 * 3600)
    static let capacity = 10_000

    private let sessions = Mutex<[String: Session]>([:])

    /// Opens a session for the token named `tokenName`.
    ///
    /// - Returns: the session id (64 hex digits from the system's random generator).
    func open(tokenName: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let id = (0..<4).map { _ in
            let word = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - word.count) + word
        }.joined()
        let now = ContinuousClock.now
        sessions.withLock { sessions in
            if sessions.count >= Self.capacity {
                sessions = sessions.filter { $0.value.expires > now }
                while sessions.count >= Self.capacity,
                    let oldest = sessions.min(by: { $0.value.expires < $1.value.expires })
                {
                    sessions[oldest.key] = nil
                }
            }
            sessions[id] = Session(tokenName: tokenName, expires: now + Self.lifetime)
        }
        return id
    }

    /// The token name of the live session `id`, if any.
    func tokenName(of id: String) -> String? {
        let now = ContinuousClock.now
        return sessions.withLock { sessions in
            guard let session = sessions[id] else { return nil }
            if session.expires <= now {
                sessions[id] = nil
                return nil
            }
            return session.tokenName
        }
    }

    func close(_ id: String) { _ = sessions.withLock { $0.removeValue(forKey: id) } }

    /// The session id in a `Cookie` header, if it carries one.
    static func sessionID(inCookieHeader header: String?) -> String? {
        guard let header else { return nil }
        for pair in header.split(whereSeparator: { $0 == ";" || $0 == "," }) {
            let trimmed = pair.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix(cookieName + "=") else { continue }
            let value = String(trimmed.dropFirst(cookieName.count + 1))
            if !value.isEmpty { return value }
        }
        return nil
    }

    /// The `Set-Cookie` value that stores `id` (or, for `nil`, removes the cookie).
    static func setCookie(_ id: String?, secure: Bool) -> String {
        var parts = ["\(cookieName)=\(id ?? "")", "Path=/", "HttpOnly", "SameSite=Strict"]
        parts.append(id == nil ? "Max-Age=0" : "Max-Age=\(Int(lifetime.components.seconds))")
        if secure { parts.append("Secure") }
        return parts.joined(separator: "; ")
    }
}
