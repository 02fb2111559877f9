import FeatureStoreKit
import Foundation
import Testing

@testable import FeatureServer

/// Pruning the served logs deletes whole UTC days only: `fs log prune` and `logging.retention`.
@Suite struct ServedLogPruneTests {
    static let layout = ServedLogLayout(
        service: "logged_by_key", keys: [Field(name: "driver_id", type: .int64)],
        features: [.init(view: "driver_live", feature: "rating", type: .float64)])

    /// One row logged at each of `times`, its key the row's number.
    static func write(_ times: [String], to repo: String) throws {
        let rows = times.enumerated().map { index, time in
            ServedLogRow(
                keys: [.int64(Int64(index))], values: [.notFound], logTimestamp: Timestamp.parse(time)!,
                requestID: "r\(index)", serviceVersion: 1)
        }
        try FeatureStore(repo: repo).offlineStore().writeServedLog([(layout, rows)])
    }

    static func keys(_ repo: String) throws -> [FeatureValue] {
        try FeatureStore(repo: repo).offlineStore().servedLogRows(layout).map(\.keys[0])
    }

    @Test func startOfDayFloorsToUTCMidnight() {
        #expect(
            OfflineStore.startOfDay(Timestamp.parse("2026-11-20T13:45:00Z")!) == Timestamp.parse(
                "2026-11-20T00:00:00Z")!)
        #expect(
            OfflineStore.startOfDay(Timestamp.parse("2026-11-20T00:00:00Z")!) == Timestamp.parse(
                "2026-11-20T00:00:00Z")!)
        #expect(
            OfflineStore.startOfDay(Timestamp.parse("1969-12-31T23:00:00Z")!) == Timestamp.parse(
                "1969-12-31T00:00:00Z")!)
        #expect(OfflineStore.startOfDay(Timestamp(microseconds: Int64.min)).microseconds <= Int64.min + 86_400_000_000)
    }

    @Test func pruneDeletesWholeDaysOnly() async throws {
        let fixture = try await ServedLogRouteTests.make()
        try Self.write(
            ["2026-11-17T23:59:59Z", "2026-11-18T00:00:00Z", "2026-11-18T12:00:00Z", "2026-11-19T23:00:00Z"],
            to: fixture.repo)
        // Now is 2026-11-20T00:00:00Z: older than 1d12h is before 2026-11-18T12:00, so the day of
        // 2026-11-18 is not whole: only rows before its midnight go.
        let report = try FeatureStore(repo: fixture.repo, clock: { ServerFixture.now }).pruneServedLogs(
            olderThan: .hours(36), service: "logged_by_key")
        #expect(report.before == Timestamp.parse("2026-11-18T00:00:00Z")!)
        #expect(report.rows == ["logged_by_key": 1])
        #expect(try Self.keys(fixture.repo) == [.int64(1), .int64(2), .int64(3)])
        #expect(throws: FeatureStoreError.self) {
            try FeatureStore(repo: fixture.repo).pruneServedLogs(olderThan: .days(1), service: "nope")
        }
    }

    @Test func retentionIsAppliedByTheServer() async throws {
        let fixture = try await ServerFixture.make(beforeOpening: { repo in
            let yaml = ServedLogRouteTests.servicesYAML.replacingOccurrences(
                of: "{sample_rate: 0.5, sample_by: key}", with: "{sample_rate: 0.5, sample_by: key, retention: 1d}")
            try yaml.write(toFile: repo + "/logged.yaml", atomically: true, encoding: .utf8)
            _ = try FeatureStore(repo: repo, clock: { ServerFixture.now }).apply()
        })
        try Self.write(["2026-11-18T10:00:00Z", "2026-11-19T00:00:00Z", "2026-11-19T22:00:00Z"], to: fixture.repo)
        let deleted = await fixture.server.servedLog.applyRetention(
            fixture.server.state.current.snapshot.definitions, now: ServerFixture.now)
        #expect(deleted == ["logged_by_key": 1])
        #expect(try Self.keys(fixture.repo) == [.int64(1), .int64(2)])
    }
}
