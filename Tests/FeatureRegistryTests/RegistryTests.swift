import FeatureRegistry
import FeatureRepo
import FeatureStoreCore
import Foundation
import SQLite
import Testing

@Suite struct RegistryTests {
    static let files: [(name: String, text: String)] = [
        (
            "repo.yaml",
            """
            entities:
              - name: driver
                join_keys: [driver_id]
                value_type: int64
                tags: {team: mobility}
            sources:
              - name: stats
                kind: csv
                path: stats.csv
                timestamp_field: ts
                created_timestamp_field: created
                field_mapping: {rate_raw: rate}
                schema: {driver_id: int64, ts: timestamp, created: timestamp, rate_raw: float64, trips: int64, note: string}
              - name: events
                kind: push
                timestamp_field: ts
                schema: {driver_id: int64, ts: timestamp, fare: float64}
            feature_views:
              - name: driver_stats
                entities: [driver]
                source: stats
                ttl: 2h
                schedule: every 5m
                features: [rate, trips, note]
              - name: fares
                entities: [driver]
                source: events
                aggregations:
                  - {column: fare, function: sum, window: 1d}
                  - {column: fare, function: stddev, window: 7d, name: fare_sd}
            feature_services:
              - name: svc
                features: ["driver_stats:*", "fares:fare_sd"]
                logging: {sample_rate: 0.5, sample_by: key}
            """
        )
    ]

    static func definitions() throws -> RepoDefinitions { try RepoLoader.parse(files: files) }

    static func temporaryPath() -> String {
        (NSTemporaryDirectory() as NSString).appendingPathComponent("registry-\(UUID().uuidString)/registry.db")
    }

    @Test func roundTripsEveryDefinition() throws {
        let registry = try Registry(path: Self.temporaryPath())
        let definitions = try Self.definitions()
        let result = try registry.apply(definitions, project: "p", allowBreaking: false, now: Timestamp(seconds: 100))
        #expect(result.before.version == 0)
        #expect(result.after.version == 1)
        let snapshot = try registry.snapshot()
        #expect(snapshot.definitions == definitions)
        #expect(snapshot.project == "p")
        #expect(snapshot.version == 1)
        #expect(
            snapshot.record(.featureView, "fares")
                == ObjectRecord(version: 1, generation: 1, updatedAt: Timestamp(seconds: 100)))
        // A second registry handle on the same file reads the same thing.
        #expect(try Registry(path: registry.path).snapshot().definitions == definitions)
    }

    @Test func reapplyingChangesNothing() throws {
        let registry = try Registry(path: Self.temporaryPath())
        let definitions = try Self.definitions()
        _ = try registry.apply(definitions, project: "p", allowBreaking: false, now: Timestamp(seconds: 1))
        let again = try registry.apply(definitions, project: "p", allowBreaking: false, now: Timestamp(seconds: 2))
        #expect(again.plan.isEmpty)
        #expect(try registry.version() == 1)
        #expect(try registry.snapshot().record(.entity, "driver")?.updatedAt == Timestamp(seconds: 1))
    }

    @Test func changesBumpTheObjectAndRegistryVersions() throws {
        let registry = try Registry(path: Self.temporaryPath())
        var definitions = try Self.definitions()
        _ = try registry.apply(definitions, project: "p", allowBreaking: false, now: Timestamp(seconds: 1))
        definitions.featureViews[0].ttl = .hours(3)
        let result = try registry.apply(definitions, project: "p", allowBreaking: false, now: Timestamp(seconds: 2))
        #expect(result.plan.changes.map(\.id) == [ObjectID(.featureView, "driver_stats")])
        #expect(result.after.record(.featureView, "driver_stats")?.version == 2)
        #expect(result.after.record(.featureView, "driver_stats")?.generation == 1)
        #expect(result.after.record(.featureView, "fares")?.version == 1)
        #expect(try registry.version() == 2)
    }

    @Test func breakingChangesNeedPermissionAndStartANewGeneration() throws {
        let registry = try Registry(path: Self.temporaryPath())
        var definitions = try Self.definitions()
        _ = try registry.apply(definitions, project: "p", allowBreaking: false, now: Timestamp(seconds: 1))
        definitions.featureViews[0].entities = []
        definitions.featureViews[0].source = "events"
        let error = #expect(throws: FeatureStoreError.self) {
            try registry.apply(definitions, project: "p", allowBreaking: false, now: Timestamp(seconds: 2))
        }
        #expect(error?.code == .breakingChange)
        #expect(error?.message.contains("--allow-breaking") == true)
        #expect(try registry.version() == 1)
        let result = try registry.apply(definitions, project: "p", allowBreaking: true, now: Timestamp(seconds: 3))
        #expect(result.after.record(.featureView, "driver_stats")?.generation == 2)
    }

    /// A failure anywhere inside an apply leaves every row of the registry as it was.
    @Test func failedApplyLeavesTheRegistryExactlyAsItWas() throws {
        struct Boom: Error {}
        let registry = try Registry(path: Self.temporaryPath())
        let definitions = try Self.definitions()
        _ = try registry.apply(definitions, project: "p", allowBreaking: false, now: Timestamp(seconds: 1))
        let before = try dump(registry.path)
        var changed = definitions
        changed.featureViews.removeLast()
        changed.featureServices = []
        changed.entities[0].description = "changed"
        #expect(throws: Boom.self) {
            try registry.apply(changed, project: "p", allowBreaking: true, now: Timestamp(seconds: 2)) { _, _ in
                throw Boom()
            }
        }
        #expect(try dump(registry.path) == before)
        #expect(try registry.snapshot().definitions == definitions)
    }

    @Test func anotherProjectIsRefused() throws {
        let registry = try Registry(path: Self.temporaryPath())
        _ = try registry.apply(try Self.definitions(), project: "p", allowBreaking: false, now: Timestamp(seconds: 1))
        let error = #expect(throws: FeatureStoreError.self) {
            try registry.apply(try Self.definitions(), project: "q", allowBreaking: false, now: Timestamp(seconds: 2))
        }
        #expect(error?.code == .conflict)
    }

    /// Every row of every registry table, as text.
    func dump(_ path: String) throws -> [String] {
        let database = try Database(path: path)
        var rows: [String] = []
        for table in ["registry_meta", "registry_objects", "registry_history", "materialization_watermarks"] {
            let statement = try database.prepare("SELECT * FROM \(table) ORDER BY 1, 2")
            while try statement.step() {
                rows.append(
                    table + ": " + (0..<statement.columnCount).map { "\(statement.value($0))" }.joined(separator: " | ")
                )
            }
        }
        return rows
    }
}
