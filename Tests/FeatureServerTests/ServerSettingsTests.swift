import FeatureServer
import FeatureStoreKit
import Foundation
import Testing

/// `auth`, `cors_origins` and `allowed_hosts` in feature_store.yaml.
@Suite struct ServerSettingsTests {
    static func load(_ yaml: String) throws -> RepoConfig {
        let repo = FileManager.default.temporaryDirectory.appendingPathComponent("fs-settings-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: repo, withIntermediateDirectories: true)
        try ("project: demo\n" + yaml).write(toFile: repo + "/feature_store.yaml", atomically: true, encoding: .utf8)
        return try RepoLoader.loadConfig(at: repo)
    }

    @Test func authTokensOriginsAndHostsAreRead() throws {
        let config = try Self.load(
            """
            auth:
              type: token
              tokens:
                - {name: trainer, token_env: FS_TOKEN_TRAINER, roles: [read]}
                - name: pipeline
                  token_file: secrets/pipeline.token
                  roles: [read, write, admin]
            cors_origins: ["https://Dashboard.example.com", "http://localhost:3000"]
            allowed_hosts: [features.internal, Feature-Server]
            """)
        let tokens = try #require(config.auth?.tokens)
        #expect(tokens.map(\.name) == ["trainer", "pipeline"])
        #expect(tokens[0].tokenEnv == "FS_TOKEN_TRAINER")
        #expect(tokens[0].roles == [.read])
        #expect(tokens[1].tokenFile?.hasSuffix("/secrets/pipeline.token") == true)
        #expect(tokens[1].tokenFile?.hasPrefix("/") == true)
        #expect(tokens[1].roles == [.read, .write, .admin])
        #expect(config.corsOrigins == ["https://dashboard.example.com", "http://localhost:3000"])
        #expect(config.allowedHosts == ["features.internal", "feature-server"])
    }

    @Test func authIsOffWhenAbsentOrNone() throws {
        #expect(try Self.load("").auth == nil)
        #expect(try Self.load("auth: {type: no_auth}").auth == nil)
        #expect(try Self.load("auth:\n  type: none\n").auth == nil)
    }

    @Test(arguments: [
        ("auth: {type: oidc}", "auth type 'oidc' is not supported"),
        ("auth: {type: token}", "missing required field 'tokens'"),
        ("auth: {tokens: [{name: a, roles: [read]}]}", "needs `token_env: VARIABLE` or `token_file: PATH`"),
        (
            "auth: {tokens: [{name: a, token_env: A, token_file: f, roles: [read]}]}",
            "gives both token_env and token_file"
        ),
        ("auth: {tokens: [{name: a, token: s3cr3t, roles: [read]}]}", "writes its secret in the YAML"),
        ("auth: {tokens: [{name: a, token_env: A, roles: [reed]}]}", "unknown role 'reed'"),
        ("auth: {tokens: [{name: a, token_env: A}]}", "missing required field 'roles'"),
        (
            "auth: {tokens: [{name: a, token_env: A, roles: [read]}, {name: a, token_env: B, roles: [read]}]}",
            "token name 'a' appears twice"
        ),
        ("auth: {tokens: [{name: 'a b', token_env: A, roles: [read]}]}", "must hold only letters"),
        ("cors_origins: ['*']", "is not an origin"),
        ("cors_origins: ['https://x.example/path']", "no path"),
        ("allowed_hosts: ['http://x.example']", "is not a host name"),
        ("allowed_hosts: ['x.example:80']", "is not a host name"),
    ])
    func mistakesAreNamedWithTheirPlace(_ yaml: String, _ expected: String) {
        let error = #expect(throws: FeatureStoreError.self) { try Self.load(yaml) }
        #expect(error?.code == .invalidDefinitions)
        #expect(error?.description.contains(expected) == true, "\(error?.description ?? "")")
        #expect(error?.description.contains("feature_store.yaml:") == true, "\(error?.description ?? "")")
    }
}
