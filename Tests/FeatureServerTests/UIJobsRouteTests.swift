import FeatureServer
import FeatureStoreKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The jobs page and the view pages list the materialization runs recorded in the registry,
/// whoever ran them; the overview shows rows online from a background count.
@Suite struct UIJobsRouteTests {
    static let window = #""start_ts": "2026-11-19T00:00:00Z", "end_ts": "2026-11-20T00:00:00Z""#

    /// A repo with one CLI run (through the facade `fs materialize` calls) and one failed run whose
    /// error holds markup, recorded before the server opens.
    static func fixture() async throws -> ServerFixture {
        try await ServerFixture.make(
            withStats: true,
            beforeOpening: { repo in
                let store = try FeatureStore(repo: repo, clock: { ServerFixture.now })
                _ = try store.materialize(
                    from: ServerFixture.now - .days(1), to: ServerFixture.now, views: ["driver_hourly_stats"])
                try store.registry().recordRun(
                    MaterializationRun(
                        mode: .incremental, trigger: .cli, startedAt: ServerFixture.now, seconds: 0.01,
                        views: [.init(view: "driver_trip_stats", rowsScanned: 0, rowsWritten: 0, seconds: 0)],
                        error: #"source broke: <script>alert("run")</script>"#))
            })
    }

    @Test func cliServerAndScheduledRunsShowTogetherNewestFirst() async throws {
        let fixture = try await Self.fixture()
        try await fixture.test { client in
            let requested = try await client.post(
                "/materialize", #"{\#(Self.window), "feature_views": ["driver_hourly_stats"]}"#)
            #expect(requested.status == 200)
            let handedOver = try await client.post(
                "/materialize-incremental", #"{"end_ts": "now", "feature_views": ["driver_hourly_stats"]}"#,
                headers: [HTTPField.Name("X-FS-Trigger")!: "cli"])
            #expect(handedOver.status == 200)
            _ = await Scheduler(server: fixture.server).tick()

            let (status, text) = try await UIRouteTests.page(client, "/ui/jobs")
            #expect(status == 200)
            let kinds = ["incremental · scheduled", "incremental · cli via server", "full · requested", "full · cli"]
            let places = kinds.map { kind in text.range(of: kind)?.lowerBound }
            #expect(places.allSatisfy { $0 != nil }, "\(text)")
            let found = places.compactMap { $0 }
            #expect(found == found.sorted(), "newest first")
            // The CLI run wrote both stats entities.
            #expect(text.contains(#"<td class="number">2</td><td><span class="status ok">ok</span>"#), "\(text)")
            // The failed run is highlighted, its message escaped.
            #expect(text.contains(#"<tr class="failed">"#))
            #expect(text.contains("1 of these runs failed"))
            #expect(text.contains("source broke: &lt;script&gt;alert(&quot;run&quot;)&lt;/script&gt;"))
            #expect(!text.contains("<script>alert"))

            let (viewStatus, viewPage) = try await UIRouteTests.page(client, "/ui/feature-views/driver_hourly_stats")
            #expect(viewStatus == 200)
            #expect(viewPage.contains("Last materializations"))
            #expect(viewPage.contains("full · cli"))
            #expect(viewPage.contains("full · requested"))
            #expect(!viewPage.contains("scheduled"), "the scheduler ran driver_trip_stats only")
            let (_, tripPage) = try await UIRouteTests.page(client, "/ui/feature-views/driver_trip_stats")
            #expect(tripPage.contains("incremental · scheduled"))
            #expect(tripPage.contains("&lt;script&gt;"))
            #expect(!tripPage.contains("<script>alert"))
        }
    }

    @Test func aFailedServerRunIsRecordedWithItsError() async throws {
        let fixture = try await ServerFixture.make(withStats: true)
        try await fixture.test { client in
            // The history table is gone: the run fails after it started.
            let store = try FeatureStore(repo: fixture.repo)
            try store.offlineStore().dropHistoryTables(except: [])
            let answer = try await client.post(
                "/materialize", #"{\#(Self.window), "feature_views": ["driver_hourly_stats"]}"#)
            #expect(answer.status >= 400)
            let runs = try store.registry().runs(limit: 10)
            #expect(runs.count == 1)
            #expect(runs.first?.trigger == .requested)
            #expect(runs.first?.error?.isEmpty == false)
            let (_, text) = try await UIRouteTests.page(client, "/ui/jobs")
            #expect(text.contains(#"<tr class="failed">"#))
        }
    }

    @Test func theOverviewShowsRowsOnlineFromABackgroundCount() async throws {
        let fixture = try await Self.fixture()
        try await fixture.test { client in
            var text = ""
            for _ in 0..<200 {
                text = try await UIRouteTests.page(client, "/ui").text
                if text.contains("≈ 2") { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(
                text.contains(
                    #"<td>2026-11-20T00:00:00Z</td><td class="number">≈ 2</td>"#), "\(text)")
            #expect(text.contains("counted in the background"))
            // Aggregate views hold tiles, not rows.
            #expect(text.contains(#"<td class="number">aggregate</td>"#))
        }
    }
}
