import Foundation
import ProcessSupport
import Testing

/// `fs materialize` as cron runs it: killed with SIGKILL halfway, the next run completes the work.
@Suite struct MaterializeEndToEndTests {
    static let end = "2026-11-20T00:00:00Z"

    /// A demo repo with its driver stats ingested.
    static func ingestedRepo() async throws -> String {
        let repo = (FSRunner.temporaryDirectory() as NSString).appendingPathComponent("repo")
        for arguments in [
            ["init", repo, "--end", end], ["apply", "--repo", repo],
            ["ingest", "driver_hourly_stats_source", repo + "/data/driver_stats.csv", "--repo", repo],
        ] {
            let result = try await FSRunner.run(arguments)
            #expect(result.status == 0, "fs \(arguments.joined(separator: " ")): \(result.stderr)")
        }
        return repo
    }

    static func lookup(_ repo: String) async throws -> [String: Any]? {
        let result = try await FSRunner.run([
            "get-online-features", "--repo", repo, "--features", "driver_hourly_stats:conv_rate", "--entity",
            "driver_id=1001",
            "--entity", "driver_id=1200", "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    }

    @Test func killedRunIsCompletedByTheNextOne() async throws {
        let repo = try await Self.ingestedRepo()
        let running = try FSRunner.start(
            ["materialize-incremental", Self.end, "--repo", repo],
            environment: ["FS_FAULT_INJECTION": "materialize-after-batch"])
        // Wait until the first batch is written, then kill it hard.
        let seen = await running.readStandardError { $0.contains("paused") }
        #expect(seen.contains("paused at materialize-after-batch"))
        await running.stop(SIGKILL)
        #expect(running.process.terminationReason == .uncaughtSignal)

        // The lock died with the process; the watermark did not move, so the next run redoes the range.
        let rerun = try await FSRunner.run(["materialize-incremental", Self.end, "--repo", repo, "--json"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(rerun.stdout.utf8)) as? [String: Any]
        let view = (report?["views"] as? [[String: Any]])?.first
        #expect(view?["from"] as? String == "2026-11-19T00:00:00Z")
        #expect(view?["entities"] as? Int == 200)

        // Running again from the new watermark finds nothing new to write.
        let third = try await FSRunner.run(["materialize-incremental", Self.end, "--repo", repo, "--json"])
        let thirdView =
            ((try JSONSerialization.jsonObject(with: Data(third.stdout.utf8)) as? [String: Any])?["views"]
            as? [[String: Any]])?.first
        #expect(thirdView?["from"] as? String == Self.end)
        #expect(thirdView?["written"] as? Int == 0)

        let response = try await Self.lookup(repo)
        let names = (response?["metadata"] as? [String: Any])?["feature_names"] as? [String]
        #expect(names == ["driver_id", "conv_rate"])
        let results = response?["results"] as? [[String: Any]]
        let timestamps = results?[1]["event_timestamps"] as? [String]
        #expect(timestamps == [Self.end, Self.end])
    }

    @Test func badArgumentsAreUsageErrors() async throws {
        let repo = try await Self.ingestedRepo()
        let swapped = try await FSRunner.run(["materialize", Self.end, "2026-01-01T00:00:00Z", "--repo", repo])
        #expect(swapped.status == 64)
        #expect(swapped.stderr.contains("swap"))
        let badTime = try await FSRunner.run(["materialize-incremental", "yesterday", "--repo", repo])
        #expect(badTime.status == 64)
        let unknownView = try await FSRunner.run([
            "materialize", "2026-01-01T00:00:00Z", Self.end, "--views", "nope", "--repo", repo,
        ])
        #expect(unknownView.status == 1)
        #expect(unknownView.stderr.contains("no feature view 'nope'"))
    }
}
