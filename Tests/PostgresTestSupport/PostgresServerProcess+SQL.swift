import PostgresClient

extension PostgresServerProcess {
    /// Runs `statements` in order in the server's `postgres` database as its superuser, on a
    /// thread of its own (the session waits synchronously).
    public func execute(_ statements: [String]) async throws {
        let settings = settings()
        let password = password
        try await offPool {
            let session = PostgresSession(settings: settings, password: password)
            defer { session.close() }
            for statement in statements { try session.query(statement) }
        }
    }
}
