import Foundation
import Testing

@testable import FeatureStoreKit

/// With the PostgreSQL offline store, `fs apply` refuses a logging feature service whose log
/// would need a name PostgreSQL cuts (over 63 bytes), naming it; the same service without logging,
/// or with a name that fits, applies.
@Suite struct PostgresServedLogNamesTests {
    static func definitions(service: String, logging: Bool) -> String {
        """
        entities:
          - {name: driver, join_keys: [{name: driver_id, value_type: int64}]}
        sources:
          - name: stats
            kind: push
            timestamp_field: ts
            schema: {driver_id: int64, ts: timestamp, rate: float64}
        feature_views:
          - {name: v, entities: [driver], source: stats, features: [rate]}
        feature_services:
          - name: \(service)
            features: ["v:*"]
        \(logging ? "    logging: {sample_rate: 1}" : "")

        """
    }

    @Test func applyRefusesALogWhoseNamesPostgreSQLWouldCut() async throws {
        try await OfflineBackend.postgres.run { repos in
            let path = (NSTemporaryDirectory() as NSString).appendingPathComponent(
                "fs-pg-log-names-\(UUID().uuidString)")
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try repos.config(project: "names").write(
                toFile: path + "/feature_store.yaml", atomically: true, encoding: .utf8)
            let long = String(repeating: "s", count: 41)
            try Self.definitions(service: long, logging: true).write(
                toFile: path + "/repo.yaml", atomically: true, encoding: .utf8)
            let store = try repos.open(path)
            let error = try #require(throws: FeatureStoreError.self) { try store.apply() }
            #expect(error.code == .invalidArgument)
            #expect(
                error.message.hasPrefix("feature service '\(long)' (41 bytes) is too long a name for a served log"),
                "\(error.message)")
            #expect(try store.snapshot().definitions.featureService(long) == nil)
            try Self.definitions(service: long, logging: false).write(
                toFile: path + "/repo.yaml", atomically: true, encoding: .utf8)
            try store.apply()
            try Self.definitions(service: String(long.dropLast()), logging: true).write(
                toFile: path + "/repo.yaml", atomically: true, encoding: .utf8)
            try store.apply()
        }
    }
}
