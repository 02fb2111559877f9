import Foundation
import ProcessSupport
import Testing

/// Materialization runs from cron (the `fs` binary) and from the server are recorded in the
/// registry and shown together on the server's jobs page, across a restart.
@Suite struct JobsEndToEndTests {
    @Test func cliRunsAndHandedOverRunsShowOnTheJobsPage() async throws {
        let repo = try await MaterializeEndToEndTests.ingestedRepo()
        // A cron run while no server runs: recorded as the CLI's.
        let local = try await FSRunner.run([
            "materialize", "2026-11-19T00:00:00Z", MaterializeEndToEndTests.end, "--repo", repo,
        ])
        #expect(local.status == 0, "\(local.stderr)")

        let server = try FSRunner.start(["serve", "--repo", repo, "--port", "0", "--no-grpc", "--no-scheduler"])
        defer { if server.process.isRunning { server.process.terminate() } }
        let base = try await ServerEndToEndTests.waitForListening(server)
        // A cron run while the server holds the store: handed over, recorded as the CLI's via the server.
        let handed = try await FSRunner.run([
            "materialize-incremental", "now", "--repo", repo, "--views", "driver_hourly_stats",
        ])
        #expect(handed.status == 0, "\(handed.stderr)")
        // A failing job (an unknown view) is refused before it starts: not a run.
        #expect(
            try await FSRunner.run(["materialize-incremental", "now", "--repo", repo, "--views", "nope"]).status == 1)

        let jobs = try await ServerEndToEndTests.request(base + "/ui/jobs")
        #expect(jobs.status == 200)
        let handedAt = jobs.text.range(of: "incremental · cli via server")?.lowerBound
        let localAt = jobs.text.range(of: "full · cli")?.lowerBound
        #expect(handedAt != nil && localAt != nil, "\(jobs.text)")
        if let handedAt, let localAt { #expect(handedAt < localAt, "newest first") }
        #expect(!jobs.text.contains(#"class="failed""#))
        let view = try await ServerEndToEndTests.request(base + "/ui/feature-views/driver_hourly_stats")
        #expect(view.text.contains("Last materializations"))
        #expect(view.text.contains("full · cli"))
    }
}
