import FeatureStoreCore
import NIOCore
import PostgresNIO

/// Turns postgres-nio's errors into ``FeatureStoreError``s that say what failed and where, built
/// from the server's SQLSTATE, message, detail and hint (never from the query's bound values, and
/// never with a password: the DSN shown is ``PostgresSettings/displayDSN``). A server that is down,
/// unreachable, shutting down or starting is `unavailable`; everything else is `storage` (or
/// `locked` for a lock not granted in time).
public enum PostgresErrors {
    /// SQLSTATE `55P03`: a lock (an advisory lock under `lock_timeout`) was not granted in time.
    public static let lockNotAvailable = "55P03"
    /// SQLSTATE `57014`: the statement was cancelled (by `statement_timeout`, or by hand).
    static let queryCanceled = "57014"

    static func connecting(_ error: any Error, settings: PostgresSettings) -> FeatureStoreError {
        guard let error = error as? PSQLError else {
            return FeatureStoreError(
                .unavailable,
                "cannot connect to PostgreSQL at \(settings.displayDSN): \(error); is the server running and the dsn right?"
            )
        }
        if let server = error.serverInfo {
            let code: FeatureStoreError.Code = isUnavailable(server[.sqlState]) ? .unavailable : .storage
            return FeatureStoreError(
                code, "PostgreSQL at \(settings.displayDSN) refused the connection: \(describe(server))")
        }
        switch error.code {
        case .authMechanismRequiresPassword:
            let how =
                settings.passwordEnv.map { "set the environment variable \($0)" }
                ?? "name the environment variable holding it with password_env"
            return .storage(
                "PostgreSQL at \(settings.displayDSN) asks for a password for user '\(settings.user)'; \(how)")
        case .sslUnsupported:
            return .storage(
                "PostgreSQL at \(settings.displayDSN) does not offer TLS but the dsn says sslmode=require")
        default:
            let cause = error.underlying.map { "\($0)" } ?? "\(error.code)"
            return FeatureStoreError(
                .unavailable,
                "cannot connect to PostgreSQL at \(settings.displayDSN): \(cause); is the server running and the dsn right?"
            )
        }
    }

    static func statement(_ error: any Error, settings: PostgresSettings) -> FeatureStoreError {
        if let error = error as? FeatureStoreError { return error }
        guard let error = error as? PSQLError else {
            return .storage("PostgreSQL at \(settings.displayDSN): \(error)")
        }
        if let server = error.serverInfo {
            let state = server[.sqlState] ?? ""
            let code: FeatureStoreError.Code =
                state == lockNotAvailable ? .locked : isUnavailable(state) ? .unavailable : .storage
            var message = "PostgreSQL at \(settings.displayDSN): \(describe(server))"
            if state == queryCanceled, settings.statementTimeoutSeconds > 0 {
                message +=
                    "; statements may run \(settings.statementTimeoutSeconds) s (statement_timeout): raise it with ?statement_timeout=SECONDS in the dsn (0 for no limit)"
            }
            return FeatureStoreError(code, message)
        }
        switch error.code {
        case .serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown:
            let cause = error.underlying.map { ": \($0)" } ?? ""
            return FeatureStoreError(
                .unavailable,
                "lost the connection to PostgreSQL at \(settings.displayDSN)\(cause); the statement may not have run (the next call reconnects)"
            )
        default:
            return .storage("PostgreSQL at \(settings.displayDSN): \(error.code)")
        }
    }

    /// Whether a SQLSTATE says the server cannot serve now but may later: connection exceptions
    /// (class 08), an operator intervention such as a shutdown or a server still starting (class
    /// 57, except a cancelled query `57014`), and too many connections (`53300`). Callers answer
    /// these as "unavailable" (HTTP 503), not as an internal failure.
    static func isUnavailable(_ state: String?) -> Bool {
        guard let state else { return false }
        return state.hasPrefix("08") || (state.hasPrefix("57") && state != queryCanceled) || state == "53300"
    }

    /// `message (SQLSTATE 42P01); detail; hint`.
    static func describe(_ server: PSQLError.ServerInfo) -> String {
        var text = server[.message] ?? "an error"
        if let state = server[.sqlState] { text += " (SQLSTATE \(state))" }
        if let detail = server[.detail] { text += "; \(detail)" }
        if let hint = server[.hint] { text += "; hint: \(hint)" }
        return text
    }

    /// The SQLSTATE of a server error wrapped by this module, for callers that branch on it.
    public static func sqlState(of error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }
}
