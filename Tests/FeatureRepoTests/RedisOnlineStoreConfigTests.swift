import FeatureRepo
import FeatureStoreCore
import Foundation
import Testing

/// `online_store: {type: redis, ...}` in feature_store.yaml, with Feast's field names.
@Suite struct RedisOnlineStoreConfigTests {
    static func load(_ yaml: String) throws -> RepoConfig {
        let repo = FileManager.default.temporaryDirectory.appendingPathComponent("fs-redis-config-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: repo, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: repo) }
        try ("project: demo\n" + yaml).write(toFile: repo + "/feature_store.yaml", atomically: true, encoding: .utf8)
        return try RepoLoader.loadConfig(at: repo)
    }

    @Test func redisAndClusterSettingsAreRead() throws {
        let single = try Self.load("online_store: {type: redis, connection_string: \"localhost:6379\"}")
        #expect(
            single.redisOnlineStore
                == RedisOnlineStoreSettings(kind: .redis, nodes: [.init(host: "localhost", port: 6379)]))
        let cluster = try Self.load(
            """
            online_store:
              type: redis
              redis_type: redis_cluster
              connection_string: "127.0.0.1:7001, 127.0.0.1:7002,[::1]:7003"
              key_ttl_seconds: 3600
            """)
        #expect(
            cluster.redisOnlineStore
                == RedisOnlineStoreSettings(
                    kind: .redisCluster,
                    nodes: [
                        .init(host: "127.0.0.1", port: 7001), .init(host: "127.0.0.1", port: 7002),
                        .init(host: "[::1]", port: 7003),
                    ],
                    keyTTLSeconds: 3600))
        #expect(try Self.load("online_store: {type: rocksdb}").redisOnlineStore == nil)
        #expect(try Self.load("").redisOnlineStore == nil)
    }

    @Test(arguments: [
        ("online_store: {type: redis}", "connection_string"),
        ("online_store: {type: redis, redis_type: sentinel, connection_string: \"a:1\"}", "redis_type 'sentinel'"),
        ("online_store: {type: redis, connection_string: \"a:1,b:2\"}", "set redis_type: redis_cluster"),
        ("online_store: {type: redis, connection_string: \"a:1,password=x\"}", "connection option 'password=x'"),
        ("online_store: {type: redis, connection_string: \"a\"}", "'a' in connection_string"),
        ("online_store: {type: redis, connection_string: \"a:0\"}", "'a:0' in connection_string"),
        ("online_store: {type: redis, connection_string: \"a:1,\"}", "'' in connection_string"),
        ("online_store: {type: redis, connection_string: \"a:1\", key_ttl_seconds: -5}", "key_ttl_seconds"),
        ("online_store: {type: redis, connection_string: \"a:1\", key_ttl_seconds: 1.5}", "not '1.5'"),
        ("online_store: {type: redis, connection_string: \"a:1\", path: x}", "path"),
    ]) func mistakesAreNamed(yaml: String, message: String) {
        #expect {
            try Self.load(yaml)
        } throws: { error in
            let text = "\(error)"
            return text.contains(message) && text.contains("feature_store.yaml:2:")
        }
    }
}
