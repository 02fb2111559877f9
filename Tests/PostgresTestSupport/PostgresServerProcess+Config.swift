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
