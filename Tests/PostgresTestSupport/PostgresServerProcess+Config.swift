import Foundation

extension PostgresServerProcess {
    /// The server's DSN (without the password, which tests pass through ``passwordEnv``).
    public var dsn: String { "postgresql://\(user)@127.0.0.1:\(port)/\(database)" }

    /// The `offline_store:` block of a `feature_store.yaml` pointing at this server's `schema`,
    /// ending in a newline.
    public func offlineStoreYAML(schema: String) -> String {
        """
        offline_store:
          type: postgres
          dsn: "\(dsn)"
          schema: \(schema)
          password_env: \(Self.passwordEnv)

        """
    }
}

extension PostgresServerProcess {
    /// Points the `feature_store.yaml` of a repo made by `fs init` at this server's `schema`
    /// (its SQLite `offline_store:` block replaced by ``offlineStoreYAML(schema:)``).
    ///
    /// - Throws: ``HarnessError`` when the file has no such block (`fs init` changed).
    public func useAsOfflineStore(repo: String, schema: String) throws {
        let path = repo + "/feature_store.yaml"
        let sqlite = "offline_store:\n  type: sqlite\n  path: .fs/offline.db\n"
        let config = try String(contentsOfFile: path, encoding: .utf8)
        guard config.contains(sqlite) else {
            throw HarnessError("\(path) has no SQLite offline_store block:\n\(config)")
        }
        try config.replacingOccurrences(of: sqlite, with: offlineStoreYAML(schema: schema))
            .write(toFile: path, atomically: true, encoding: .utf8)
    }
}
