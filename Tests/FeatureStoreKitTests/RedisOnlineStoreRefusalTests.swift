import Foundation
import Testing

@testable import FeatureStoreKit

/// `online_store: {type: redis}` parses, but until the stores use Redis it must be refused, never
/// silently served from RocksDB.
@Suite struct RedisOnlineStoreRefusalTests {
    @Test func aRedisOnlineStoreIsRefusedWithAClearMessage() throws {
        let repo = (NSTemporaryDirectory() as NSString).appendingPathComponent("fs-redis-refused-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: repo, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: repo) }
        try "project: demo\nonline_store: {type: redis, connection_string: \"127.0.0.1:6379\"}\n".write(
            toFile: repo + "/feature_store.yaml", atomically: true, encoding: .utf8)
        let store = try FeatureStore(repo: repo)
        #expect {
            try store.onlineStore()
        } throws: { error in
            guard let error = error as? FeatureStoreError else { return false }
            return error.code == .invalidArgument && error.message.contains("online_store type 'redis'")
                && error.message.contains("feature_store.yaml")
        }
        #expect(!FileManager.default.fileExists(atPath: store.config.onlineStorePath))
    }
}
