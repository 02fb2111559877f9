import FeatureProfiles
import Foundation
import OfflineStoreSQLite
import Testing

@testable import FeatureStoreKit

/// The profile work of the facade on both offline stores: the update after an ingest, `fs stats`,
/// the monitoring figures and the drop of profiles an apply made stale (all of which skipped
/// PostgreSQL silently before the profile store protocol).
@Suite struct OfflineProfilesBackendTests {
    static let definitions = """
        entities:
          - name: user
            join_keys: [{name: user_id, value_type: string}]
        sources:
          - name: events
            kind: csv
            path: events.csv
            timestamp_field: ts
            schema: {user_id: string, ts: timestamp, score: float64, label: string}
        feature_views:
          - name: user_scores
            entities: [user]
            source: events
            features: [score, label]

        """

    @Test(arguments: OfflineBackend.allCases)
    func ingestStatsMonitoringAndApplyKeepProfiles(_ backend: OfflineBackend) async throws {
        try await backend.run { repos in
            let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("fs-profiles-\(UUID().uuidString)")
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: path) }
            try repos.config(project: "profiles").write(
                toFile: path + "/feature_store.yaml", atomically: true, encoding: .utf8)
            try Self.definitions.write(toFile: path + "/repo.yaml", atomically: true, encoding: .utf8)
            var random = SplitMix64(seed: 7)
            var csv = "user_id,ts,score,label\n"
            var scores: [Double?] = []
            for index in 0..<500 {
                let score: Double? = random.next() % 5 == 0 ? nil : Double(random.next() % 1000) / 4
                scores.append(score)
                let time = Timestamp(microseconds: Int64(index) * 60_000_000)
                csv += "u\(random.next() % 20),\(time.rfc3339),\(score.map { "\($0)" } ?? ""),l\(random.next() % 3)\n"
            }
            try csv.write(toFile: path + "/events.csv", atomically: true, encoding: .utf8)
            let store = try repos.open(path, clock: { Timestamp(microseconds: 86_400_000_000) })
            _ = try store.apply()
            _ = try store.ingest(source: "events", file: path + "/events.csv")

            let update = try #require(try store.updateOfflineProfiles(source: "events"), "\(backend)")
            #expect(update.rows == 500)
            #expect(update.features == 2)
            #expect(try store.updateOfflineProfiles(source: "events")?.rows == 0)

            let nulls = scores.filter { $0 == nil }.count
            let report = try store.stats(StatsRequest(reference: "user_scores:score"))
            let profile = try #require(report.features.first?.profile)
            #expect(profile.count == 500)
            #expect(profile.nulls == Int64(nulls))
            #expect(profile.minimum == scores.compactMap { $0 }.min().map(SummaryNumber.double))

            let figures = try store.monitoringFigures(window: .days(2))
            let ratio = try #require(figures.nullRatios[ProfiledFeature(view: "user_scores", feature: "score")])
            #expect(abs(ratio - Double(nulls) / 500) < 1e-12)
            // The latest stored consistency run is among the figures (it was read on SQLite only).
            let run = ServedConsistencyRun(
                service: "scores", runAt: Timestamp(microseconds: 3_600_000_000), from: nil, to: nil,
                features: [.init(view: "user_scores", feature: "score", checked: 10, mismatches: 1)])
            try store.offlineStore().saveConsistencyRun(run)
            #expect(try store.monitoringFigures(window: .days(2)).consistency == [run], "\(backend)")

            // An apply that drops a feature drops its stored profiles.
            try Self.definitions.replacingOccurrences(of: "features: [score, label]", with: "features: [score]")
                .write(toFile: path + "/repo.yaml", atomically: true, encoding: .utf8)
            _ = try store.apply()
            let generation = try store.snapshot().generation(ofSource: "events")
            #expect(
                try store.offlineStore().profiledFeatures(of: .offline(source: "events", generation: generation)) == [
                    ProfiledFeature(view: "user_scores", feature: "score")
                ])
        }
    }
}
