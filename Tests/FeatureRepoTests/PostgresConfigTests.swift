import FeatureRepo
import FeatureStoreCore
import Foundation
import Testing

/// `registry: {type: postgres, ...}` and `offline_store: {type: postgres, ...}` in
/// feature_store.yaml: read exactly, mistakes named with their position, the password never in the
/// YAML and never in a message.
@Suite struct PostgresConfigTests {
    static func load(_ yaml: String) throws -> RepoConfig {
        let repo = FileManager.default.temporaryDirectory.appendingPathComponent("fs-pg-config-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: repo, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: repo) }
        try ("project: demo\n" + yaml).write(toFile: repo + "/feature_store.yaml", atomically: true, encoding: .utf8)
        return try RepoLoader.loadConfig(at: repo)
    }

    @Test func registryAndOfflineStoreSettingsAreRead() throws {
        let config = try Self.load(
            """
            registry: {type: postgres, dsn: "postgresql://fs_user@127.0.0.1:5433/fs", password_env: FS_PG_PASSWORD}
            offline_store:
              type: postgres
              dsn: "postgres://reader@db.internal/features?sslmode=require&connect_timeout=3&statement_timeout=0"
              schema: fs
            """)
        #expect(
            config.postgresRegistry
                == PostgresSettings(
                    host: "127.0.0.1", port: 5433, user: "fs_user", database: "fs", schema: "public",
                    passwordEnv: "FS_PG_PASSWORD"))
        #expect(
            config.postgresOfflineStore
                == PostgresSettings(
                    host: "db.internal", port: 5432, user: "reader", database: "features", schema: "fs",
                    tlsMode: .require, connectTimeoutSeconds: 3, statementTimeoutSeconds: 0))
        #expect(config.postgresRegistry?.statementTimeoutSeconds == PostgresSettings.defaultStatementTimeoutSeconds)
        #expect(config.postgresRegistry?.displayDSN == "postgresql://fs_user@127.0.0.1:5433/fs")
        let sqlite = try Self.load("registry: {type: sqlite, path: r.db}\noffline_store: o.db")
        #expect(sqlite.postgresRegistry == nil && sqlite.postgresOfflineStore == nil)
        #expect(sqlite.registryPath.hasSuffix("/r.db"))
        #expect(try Self.load("").postgresRegistry == nil)
    }

    @Test func ipv6HostsAndEscapedNamesAreRead() throws {
        let config = try Self.load("registry: {type: postgres, dsn: \"postgresql://us%40er@[::1]:6000/my%20db\"}")
        #expect(config.postgresRegistry?.host == "::1")
        #expect(config.postgresRegistry?.port == 6000)
        #expect(config.postgresRegistry?.user == "us@er")
        #expect(config.postgresRegistry?.database == "my db")
        #expect(config.postgresRegistry?.displayDSN == "postgresql://us@er@[::1]:6000/my db")
    }

    @Test(arguments: [
        ("registry: {type: postgres}", "missing required field 'dsn'"),
        ("registry: {type: postgres, dsn: \"mysql://u@h/d\"}", "must start with postgresql://"),
        ("registry: {type: postgres, dsn: \"postgresql://h/d\"}", "names no user"),
        ("registry: {type: postgres, dsn: \"postgresql://u@h\"}", "names no database"),
        ("registry: {type: postgres, dsn: \"postgresql://u@h/\"}", "names no database"),
        ("registry: {type: postgres, dsn: \"postgresql://u@/d\"}", "names no host"),
        ("registry: {type: postgres, dsn: \"postgresql://u@h:0/d\"}", "port '0'"),
        ("registry: {type: postgres, dsn: \"postgresql://u@h:99999/d\"}", "port '99999'"),
        ("registry: {type: postgres, dsn: \"postgresql://u@[::1/d\"}", "no closing ']'"),
        ("registry: {type: postgres, dsn: \"postgresql://u@h/d?sslmode=verify-full\"}", "sslmode 'verify-full'"),
        ("registry: {type: postgres, dsn: \"postgresql://u@h/d?connect_timeout=0\"}", "connect_timeout '0'"),
        ("registry: {type: postgres, dsn: \"postgresql://u@h/d?statement_timeout=-1\"}", "statement_timeout '-1'"),
        ("registry: {type: postgres, dsn: \"postgresql://u@h/d?statement_timeout=1.5\"}", "statement_timeout '1.5'"),
        ("registry: {type: postgres, dsn: \"postgresql://u@h/d?application_name=x\"}", "option 'application_name'"),
        ("registry: {type: postgres, dsn: \"postgresql://u@h/d\", password_env: 1BAD}", "password_env of"),
        ("registry: {type: postgres, dsn: \"postgresql://u@h/d\", schema: Fs}", "schema 'Fs'"),
        ("registry: {type: postgres, dsn: \"postgresql://u@h/d\", pool: 3}", "unknown field 'pool'"),
        ("offline_store: {type: postgres, dsn: \"postgresql://u@h/d\", schema: \"a-b\"}", "schema 'a-b'"),
        ("offline_store: {type: mysql, dsn: \"x\"}", "offline_store type 'mysql' is not supported"),
        ("registry: {type: mysql}", "or `type: postgres`"),
    ]) func mistakesAreNamedWithTheirPosition(yaml: String, message: String) {
        #expect {
            try Self.load(yaml)
        } throws: { error in
            let text = "\(error)"
            return text.contains(message) && text.contains("feature_store.yaml:2:")
        }
    }

    /// A password in the DSN or in the YAML is refused, and the message does not repeat it.
    @Test(arguments: [
        "registry: {type: postgres, dsn: \"postgresql://u:S3cret-pw@h/d\"}",
        "registry: {type: postgres, dsn: \"postgresql://u:S3cret-pw@h:5432/d\"}",
        "registry: {type: postgres, dsn: \"postgresql://u@h/d?password=S3cret-pw\"}",
        "offline_store: {type: postgres, dsn: \"postgresql://u@h/d\", password: S3cret-pw}",
    ]) func passwordsInTheYAMLAreRefusedWithoutBeingShown(yaml: String) {
        #expect {
            try Self.load(yaml)
        } throws: { error in
            let text = "\(error)"
            return text.contains("password_env") && !text.contains("S3cret")
        }
    }

    @Test func aPostgresOfflineStoreIsAccepted() throws {
        let config = try Self.load("offline_store: {type: postgres, dsn: \"postgresql://u@h/d\", schema: offline}")
        #expect(config.postgresOfflineStore?.database == "d")
        #expect(config.postgresOfflineStore?.schema == "offline")
    }

    @Test func thePasswordComesFromTheNamedVariableAndAMissingOneIsNamed() throws {
        let settings = PostgresSettings(host: "h", user: "u", database: "d", passwordEnv: "FS_PG_PASSWORD")
        #expect(try settings.password(environment: ["FS_PG_PASSWORD": "pw"], field: "registry") == "pw")
        #expect(
            try PostgresSettings(host: "h", user: "u", database: "d").password(environment: [:], field: "registry")
                == nil)
        let error = #expect(throws: FeatureStoreError.self) {
            try settings.password(environment: ["OTHER": "pw"], field: "registry")
        }
        #expect(
            error?.message.contains("FS_PG_PASSWORD (password_env of registry in feature_store.yaml) is not set")
                == true)
    }
}
