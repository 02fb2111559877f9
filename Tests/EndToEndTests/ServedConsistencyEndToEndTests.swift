import Foundation
import ProcessSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `fs serve` logging a service, then `fs consistency` as a real process: what was served agrees
/// with the offline history (exit 0, served profiles readable with `fs stats --source served`);
/// after a correction changes the history, the same log disagrees (exit 1, the feature named),
/// and the server's gauge shows the latest run.
@Suite struct ServedConsistencyEndToEndTests {
    /// Polls `body` (every 200 ms, up to 15 s) until it returns true.
    static func eventually(_ body: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<75 {
            if try await body() { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    @Test func consistentThenACorrectionFailsItNamingTheFeature() async throws {
        let repo = (FSRunner.temporaryDirectory("fs-e2e-consistency") as NSString).appendingPathComponent("repo")
        #expect(try await FSRunner.run(["init", repo, "--no-data"]).status == 0)
        try ServedLogEndToEndTests.yaml.write(toFile: repo + "/push.yaml", atomically: true, encoding: .utf8)
        let apply = try await FSRunner.run(["apply", "--repo", repo])
        #expect(apply.status == 0, "\(apply.stderr)")
        let server = try FSRunner.start([
            "serve", "--repo", repo, "--port", "0", "--grpc-port", "0", "--no-scheduler", "--monitoring-interval", "1",
        ])
        defer { if server.process.isRunning { server.process.terminate() } }
        let base = try await ServerEndToEndTests.waitForListening(server)

        let push = try await ServerEndToEndTests.request(
            base + "/push",
            body:
                #"{"push_source_name": "driver_events", "to": "online_and_offline", "df": {"driver_id": [1001, 1002], "event_timestamp": ["2026-11-19T10:00:00Z", "2026-11-19T11:00:00Z"], "rating": [4.25, 0.30000000000000004]}}"#
        )
        #expect(push.status == 200, "\(push.text)")
        let lookup = #"{"feature_service": "ranking", "entities": {"driver_id": [1001, 1002, 999]}}"#
        let answer = try await ServerEndToEndTests.request(
            base + "/get-online-features", body: lookup, headers: ["X-Request-ID": "c-1"])
        #expect(answer.status == 200, "\(answer.text)")
        #expect(try await Self.eventually { try await ServedLogEndToEndTests.logged(repo).count == 3 })

        let check = try await FSRunner.run(["consistency", "--service", "ranking", "--repo", repo])
        #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
        #expect(check.stdout.contains("driver_live:rating: 3 checked, mismatch 0.0% (0)"), "\(check.stdout)")
        #expect(check.stdout.contains("0 of 3 values differ"), "\(check.stdout)")

        // The flush wrote the served profiles: three values, one of them null (driver 999).
        let stats = try await FSRunner.run([
            "stats", "driver_live:rating", "--source", "served", "--json", "--repo", repo,
        ])
        #expect(stats.status == 0, "\(stats.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any]
        let profile = ((report?["features"] as? [[String: Any]])?.first?["profile"]) as? [String: Any]
        #expect(profile?["count"] as? Int == 3, "\(stats.stdout)")
        #expect(profile?["nulls"] as? Int == 1, "\(stats.stdout)")

        let served = try await ServerEndToEndTests.request(base + "/stats/driver_live/rating?source=served")
        #expect(served.status == 200, "\(served.text)")
        #expect(served.text.contains(#""count":3"#), "\(served.text)")

        // Drift of what was served against a training-set baseline of the same entities.
        try "driver_id,event_timestamp\n1001,2026-11-20T00:00:00Z\n1002,2026-11-20T00:00:00Z\n".write(
            toFile: repo + "/spine.csv", atomically: true, encoding: .utf8)
        let baseline = try await FSRunner.run([
            "get-training-set", "--spine", repo + "/spine.csv", "--feature-service", "ranking", "--out",
            repo + "/training.csv", "--save-profile", "base", "--repo", repo,
        ])
        #expect(baseline.status == 0, "\(baseline.stderr)")
        let drift = try await FSRunner.run([
            "drift", "--service", "ranking", "--baseline", "base", "--source", "served", "--json", "--repo", repo,
        ])
        #expect(drift.status == 0, "\(drift.stderr)")
        let driftReport = try JSONSerialization.jsonObject(with: Data(drift.stdout.utf8)) as? [String: Any]
        let driftFeature = (driftReport?["features"] as? [[String: Any]])?.first
        #expect(driftFeature?["window_count"] as? Int == 2, "\(drift.stdout)")
        #expect(driftFeature?["window_null_ratio"] as? Double == 1.0 / 3.0, "\(drift.stdout)")
        #expect(driftReport?["source"] as? String == "served")

        // A correction of driver 1001's history before the lookup: the log no longer agrees.
        let correction = try await ServerEndToEndTests.request(
            base + "/push",
            body:
                #"{"push_source_name": "driver_events", "to": "offline", "df": {"driver_id": [1001], "event_timestamp": ["2026-11-19T12:00:00Z"], "rating": [1.5]}}"#
        )
        #expect(correction.status == 200, "\(correction.text)")
        let failed = try await FSRunner.run([
            "consistency", "--service", "ranking", "--format", "json", "--repo", repo,
        ])
        #expect(failed.status == 1, "\(failed.stdout) \(failed.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(failed.stdout.utf8)) as? [String: Any]
        let feature = (json?["features"] as? [[String: Any]])?.first
        #expect(feature?["feature"] as? String == "rating")
        #expect(feature?["mismatches"] as? Int == 1)
        let example = (feature?["examples"] as? [[String: Any]])?.first
        #expect(example?["served"] as? String == "4.25")
        #expect(example?["offline"] as? String == "1.5")
        #expect(example?["request_id"] as? String == "c-1")
        #expect(json?["passed"] as? Bool == false)
        let text = try await FSRunner.run(["consistency", "--service", "ranking", "--repo", repo])
        #expect(text.status == 1)
        #expect(text.stdout.contains("driver_live:rating: 3 checked, mismatch 33.3% (1)"), "\(text.stdout)")
        #expect(text.stdout.contains("value: request c-1"), "\(text.stdout)")
        // A rate allowed above the run's passes.
        #expect(
            try await FSRunner.run(["consistency", "--service", "ranking", "--max-mismatch", "0.5", "--repo", repo])
                .status
                == 0)

        // The server exports the latest run (refreshed every second here).
        #expect(
            try await Self.eventually {
                try await ServerEndToEndTests.request(base + "/metrics").text.contains(
                    #"fs_consistency_mismatch_ratio{service="ranking",view="driver_live",feature="rating"} 0.3333"#)
            })
    }
}
