import FeatureServer
import FeatureStoreKit
import Foundation
import HummingbirdTesting
import Testing

@Suite struct MonitoringRouteTests {
    /// A monitored service over `driver_hourly_stats:conv_rate` with a saved baseline `base`.
    static let monitoredYAML = """
        feature_services:
          - name: monitored
            features:
              - driver_hourly_stats:conv_rate
              - driver_hourly_stats:acc_rate
            monitoring:
              baseline: base
              window: 1d

        """

    /// The demo fixture with stats rows, the monitored service and its baseline.
    static func fixture() async throws -> ServerFixture {
        try await ServerFixture.make(
            withStats: true,
            beforeOpening: { repo in
                try monitoredYAML.write(toFile: repo + "/monitored.yaml", atomically: true, encoding: .utf8)
                let store = try FeatureStore(repo: repo, clock: { ServerFixture.now })
                _ = try store.apply()
                var features: [ProfiledFeature: FeatureProfile] = [:]
                for name in ["conv_rate", "acc_rate"] {
                    var profile = FeatureProfile(type: .float64)
                    for value in 0..<100 { profile.add(Double(value) / 100) }
                    features[ProfiledFeature(view: "driver_hourly_stats", feature: name)] = profile
                }
                let info = BaselineInfo(
                    name: "base", createdAt: ServerFixture.now, rows: 100, origin: "test",
                    features: Array(features.keys))
                _ = try store.offlineStore().saveBaseline(info, profiles: features)
            })
    }

    /// `value` encoded as the CLI's `--json` and the server encode it, decoded back to compare.
    static func jsonObject(_ value: some Encodable) throws -> NSDictionary {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try #require(try JSONSerialization.jsonObject(with: encoder.encode(value)) as? NSDictionary)
    }

    @Test func statsAnswersWhatFsStatsJSONPrints() async throws {
        let fixture = try await Self.fixture()
        try await fixture.test { client in
            let answer = try await client.get("/stats/driver_hourly_stats/conv_rate")
            #expect(answer.status == 200)
            let features = answer.json["features"] as? [[String: Any]] ?? []
            #expect(features.count == 1)
            #expect((features.first?["profile"] as? [String: Any])?["count"] as? Int == 3)
            let store = try FeatureStore(repo: fixture.repo, clock: { ServerFixture.now })
            let expected = try Self.jsonObject(store.stats(StatsRequest(reference: "driver_hourly_stats:conv_rate")))
            #expect(NSDictionary(dictionary: answer.json) == expected)

            let windowed = try await client.get("/stats/driver_hourly_stats/conv_rate?window=1h")
            #expect(windowed.status == 200)
            let none = (windowed.json["features"] as? [[String: Any]])?.first
            #expect((none?["profile"] as? [String: Any])?["count"] as? Int == 0)
            #expect(none?["note"] as? String == "no rows in the range")

            let ranged = try await client.get(
                "/stats/driver_hourly_stats/conv_rate?from=2026-11-19T21:00:00Z&to=2026-11-19T23:00:00Z")
            let counted = (ranged.json["features"] as? [[String: Any]])?.first?["profile"] as? [String: Any]
            #expect(counted?["count"] as? Int == 2)

            let baseline = try await client.get("/stats/driver_hourly_stats/conv_rate?baseline=base")
            #expect(baseline.json["kind"] as? String == "baseline")
        }
    }

    @Test func statsNamesUnknownViewsFeaturesAndBadParameters() async throws {
        let fixture = try await Self.fixture()
        try await fixture.test { client in
            let view = try await client.get("/stats/nope/conv_rate")
            #expect(view.status == 404)
            #expect(view.errorMessage.contains("no feature view 'nope'"))
            let feature = try await client.get("/stats/driver_hourly_stats/nope")
            #expect(feature.status == 404)
            #expect(feature.errorMessage.contains("'nope'"))
            let baseline = try await client.get("/stats/driver_hourly_stats/conv_rate?baseline=missing")
            #expect(baseline.status == 404)
            #expect(baseline.errorMessage.contains("no baseline 'missing'"))
            let cases: [(String, String)] = [
                ("window=2x", "window '2x'"),
                ("window=1d&from=2026-11-19T00:00:00Z", "either window or from/to"),
                ("source=elsewhere", "source 'elsewhere'"),
                ("from=yesterday", "from 'yesterday'"),
                ("from=2026-11-20T00:00:00Z&to=2026-11-19T00:00:00Z", "before it starts"),
                ("colour=red", "unknown query parameter 'colour'"),
                ("baseline=base&window=1d", "baseline takes no window"),
            ]
            for (query, message) in cases {
                let answer = try await client.get("/stats/driver_hourly_stats/conv_rate?\(query)")
                #expect(answer.status == 400, "\(query)")
                #expect(answer.errorMessage.contains(message), "\(query): \(answer.errorMessage)")
            }
        }
    }

    @Test func driftAnswersWhatFsDriftJSONPrints() async throws {
        let fixture = try await Self.fixture()
        try await fixture.test { client in
            let answer = try await client.get("/drift?service=monitored")
            #expect(answer.status == 200)
            let store = try FeatureStore(repo: fixture.repo, clock: { ServerFixture.now })
            let expected = try Self.jsonObject(store.drift(DriftRequest(service: "monitored")))
            #expect(NSDictionary(dictionary: answer.json) == expected)
            let features = answer.json["features"] as? [[String: Any]] ?? []
            #expect(features.map { $0["feature"] as? String } == ["conv_rate", "acc_rate"])
            #expect(features.allSatisfy { $0["psi"] is Double })

            let fired = try await client.get("/drift?service=monitored&baseline=base&window=7d&fail_on=psi%3E0")
            #expect(fired.status == 200)
            #expect((fired.json["fired"] as? [Any])?.count == 2)
        }
    }

    @Test func driftNamesUnknownServicesBaselinesAndBadParameters() async throws {
        let fixture = try await Self.fixture()
        try await fixture.test { client in
            let service = try await client.get("/drift?service=nope")
            #expect(service.status == 404)
            #expect(service.errorMessage.contains("no feature service 'nope'"))
            let baseline = try await client.get("/drift?service=monitored&baseline=missing")
            #expect(baseline.status == 404)
            #expect(baseline.errorMessage.contains("no baseline 'missing'"))
            let unmonitored = try await client.get("/drift?service=driver_activity")
            #expect(unmonitored.status == 400)
            #expect(unmonitored.errorMessage.contains("name the baseline"))
            let cases: [(String, String)] = [
                ("", "missing query parameter 'service'"),
                ("service=monitored&window=0", "window '0'"),
                ("service=monitored&source=x", "source 'x'"),
                ("service=monitored&fail_on=speed%3E1", "fail_on"),
                ("service=monitored&from=now", "unknown query parameter 'from'"),
            ]
            for (query, message) in cases {
                let answer = try await client.get("/drift?\(query)")
                #expect(answer.status == 400, "\(query)")
                #expect(answer.errorMessage.contains(message), "\(query): \(answer.errorMessage)")
            }
        }
    }

    @Test func gaugesShowDriftNullRatiosAndFreshnessAfterARefresh() async throws {
        let fixture = try await Self.fixture()
        try await fixture.test { client in
            // Nothing is computed on the scrape path: before a refresh there are no such gauges.
            let (_, before) = try await client.getText("/metrics")
            #expect(!before.contains("fs_feature_drift"))
            #expect(!before.contains("fs_feature_freshness_seconds"))

            let figures = try await fixture.server.monitoring.refresh(metrics: fixture.server.metrics)
            #expect(figures.driftProblems.isEmpty)
            let (_, text) = try await client.getText("/metrics")
            let lines = Set(text.split(separator: "\n").map(String.init))
            // The newest stats row is at 22:00, two hours before the fixed now.
            #expect(lines.contains(#"fs_feature_freshness_seconds{view="driver_hourly_stats"} 7200.0"#))
            #expect(lines.contains(#"fs_feature_null_ratio{view="driver_hourly_stats",feature="conv_rate"} 0.0"#))
            // Views with no rows have no freshness.
            #expect(!text.contains(#"fs_feature_freshness_seconds{view="driver_live"}"#))
            let report = try #require(figures.drift.first)
            for feature in report.features {
                let psi = try #require(feature.psi)
                #expect(
                    lines.contains(
                        #"fs_feature_drift{service="monitored",view="driver_hourly_stats",feature="\#(feature.feature)",metric="psi"} \#(psi)"#
                    ), "\(feature.feature)")
                #expect(text.contains(#"feature="\#(feature.feature)",metric="js"}"#))
            }
        }
    }

    @Test func aMonitoredServiceWithoutItsBaselineIsAProblemNotAFailure() async throws {
        let fixture = try await ServerFixture.make(
            withStats: true,
            beforeOpening: { repo in
                try Self.monitoredYAML.write(toFile: repo + "/monitored.yaml", atomically: true, encoding: .utf8)
                _ = try FeatureStore(repo: repo, clock: { ServerFixture.now }).apply()
            })
        let figures = try await fixture.server.monitoring.refresh(metrics: fixture.server.metrics)
        #expect(figures.drift.isEmpty)
        #expect(figures.driftProblems["monitored"]?.contains("no baseline 'base'") == true)
        #expect(figures.newestEvents["driver_hourly_stats"] == Timestamp.parse("2026-11-19T22:00:00Z"))
    }
}
