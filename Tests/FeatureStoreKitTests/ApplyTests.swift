import FeatureStoreKit
import Foundation
import Testing

@Suite struct ApplyTests {
    /// A demo repo without data in a fresh temporary folder.
    static func demoRepo() throws -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("fs-kit-\(UUID().uuidString)")
        try DemoRepo.write(to: path, writeData: false)
        return path
    }

    static func edit(_ repo: String, _ file: String, _ transform: (String) -> String) throws {
        let path = (repo as NSString).appendingPathComponent(file)
        try transform(try String(contentsOfFile: path, encoding: .utf8)).write(
            toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func applyCreatesHistoryTablesAndReapplyIsANoOp() throws {
        let repo = try Self.demoRepo()
        let store = try FeatureStore(repo: repo)
        let first = try store.apply()
        #expect(first.plan.changes.count == 6)
        let tables = store.historyTables(first.after)
        #expect(tables.map(\.source.name) == ["driver_hourly_stats_source", "trips"])
        for table in tables { #expect(try store.offlineStore().rowCount(table) == 0) }
        let second = try FeatureStore(repo: repo).apply()
        #expect(second.plan.isEmpty)
        #expect(second.after.version == 1)
    }

    @Test func breakingChangeIsRefusedThenAppliedWithPermission() throws {
        let repo = try Self.demoRepo()
        _ = try FeatureStore(repo: repo).apply()
        try Self.edit(repo, "driver_stats.yaml") {
            $0.replacingOccurrences(of: "avg_daily_trips: int64", with: "avg_daily_trips: float64")
                .replacingOccurrences(
                    of: "- name: avg_daily_trips\n        type: int64",
                    with: "- name: avg_daily_trips\n        type: float64")
        }
        let plan = try FeatureStore(repo: repo).plan()
        #expect(plan.breakingChanges.map(\.id.name) == ["driver_hourly_stats_source", "driver_hourly_stats"])
        let error = #expect(throws: FeatureStoreError.self) { try FeatureStore(repo: repo).apply() }
        #expect(error?.code == .breakingChange)
        let applied = try FeatureStore(repo: repo).apply(allowBreaking: true)
        #expect(applied.after.generation(ofSource: "driver_hourly_stats_source") == 2)
    }

    /// An apply that fails halfway leaves the registry and the offline store as they were.
    @Test func failedApplyChangesNothing() throws {
        struct Boom: Error {}
        let repo = try Self.demoRepo()
        let store = try FeatureStore(repo: repo)
        let first = try store.apply()
        try Self.edit(repo, "trips.yaml") {
            $0.replacingOccurrences(
                of: "      distance_km: float64", with: "      distance_km: float64\n      tip: float64")
        }
        #expect(throws: Boom.self) { try FeatureStore(repo: repo).apply { throw Boom() } }
        let after = try FeatureStore(repo: repo).snapshot()
        #expect(after.version == first.after.version)
        #expect(after.definitions == first.after.definitions)
        // The table of the new layout may exist, but the registry still points at the old one, which is intact.
        #expect(try store.offlineStore().rowCount(store.historyTables(after)[1]) == 0)
        let retried = try FeatureStore(repo: repo).apply()
        #expect(retried.plan.changes.map(\.id.name) == ["trips"])
    }

    @Test func teardownRemovesEverything() throws {
        let repo = try Self.demoRepo()
        let store = try FeatureStore(repo: repo)
        _ = try store.apply()
        try store.teardown()
        #expect(!FileManager.default.fileExists(atPath: store.config.registryPath))
        #expect(!FileManager.default.fileExists(atPath: store.config.offlineStorePath))
        #expect(try FeatureStore(repo: repo).snapshot().version == 0)
    }

    @Test func demoDataIsDeterministicAndLargeEnough() {
        let options = DemoData.Options(seed: 9, end: Timestamp.parse("2026-01-01T00:00:00Z"))
        let a = DemoData(options: options)
        let b = DemoData(options: options)
        #expect(a.driverStatsCSV() == b.driverStatsCSV())
        #expect(a.tripsCSV() == b.tripsCSV())
        let rows = a.driverStatsCSV().split(separator: 10).count + a.tripsCSV().split(separator: 10).count - 2
        #expect(rows >= 100_000)
        let other = DemoData(options: DemoData.Options(seed: 10, end: options.end))
        #expect(other.tripsCSV() != a.tripsCSV())
    }

    /// `feature_repo/` at the project root is exactly what `fs init` writes.
    @Test func committedFeatureRepoMatchesTheDemo() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        for file in DemoRepo.files {
            let path = root.appendingPathComponent("feature_repo").appendingPathComponent(file.path).path
            #expect(
                try String(contentsOfFile: path, encoding: .utf8) == file.text, "\(file.path) differs from DemoRepo")
        }
    }
}
