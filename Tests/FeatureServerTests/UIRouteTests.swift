import FeatureServer
import FeatureStoreKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct UIRouteTests {
    /// Definitions whose user-written strings hold markup: every page must show them as text.
    static let hostileYAML = """
        feature_views:
          - name: hostile_view
            entities: [driver]
            source: driver_events
            description: <script>alert("view")</script>
            owner: <b>mallory</b>
            tags: { team: "<i>x</i>" }
            features:
              - name: rating
                type: float64
                description: <img src=x onerror=alert(1)>

        """

    static func fixture() async throws -> ServerFixture {
        try await ServerFixture.make(
            withStats: true,
            beforeOpening: { repo in
                try MonitoringRouteTests.monitoredYAML.write(
                    toFile: repo + "/monitored.yaml", atomically: true, encoding: .utf8)
                try hostileYAML.write(toFile: repo + "/hostile.yaml", atomically: true, encoding: .utf8)
                let store = try FeatureStore(repo: repo, clock: { ServerFixture.now })
                _ = try store.apply()
                var profile = FeatureProfile(type: .float64)
                for value in 0..<100 { profile.add(Double(value) / 100) }
                let feature = ProfiledFeature(view: "driver_hourly_stats", feature: "conv_rate")
                let info = BaselineInfo(
                    name: "base", createdAt: ServerFixture.now, rows: 100, origin: "test", features: [feature])
                _ = try store.offlineStore().saveBaseline(info, profiles: [feature: profile])
            })
    }

    /// GETs a page and checks it is HTML.
    static func page(_ client: any TestClientProtocol, _ uri: String) async throws -> (status: Int, text: String) {
        try await client.execute(uri: uri, method: .get) { response in
            #expect(
                response.headers[.contentType]?.hasPrefix("text/html") == true, "\(uri): \(response.headers)")
            return (response.status.code, String(buffer: response.body))
        }
    }

    /// No markup from a definition reaches a page unescaped.
    static func expectEscaped(_ text: String, _ uri: String) {
        for raw in ["<script>alert", "<b>mallory", "<i>x</i>", "<img src=x"] {
            #expect(!text.contains(raw), "\(uri) shows \(raw) unescaped")
        }
    }

    @Test func theOverviewCountsTheRepoAndMarksStaleViews() async throws {
        let fixture = try await Self.fixture()
        try await fixture.test { client in
            let (status, text) = try await Self.page(client, "/ui")
            #expect(status == 200)
            #expect(text.contains("<b>5</b> feature views"))
            #expect(text.contains("<b>2</b> feature services"))
            #expect(text.contains("Registry version 2"))
            #expect(text.contains("Scheduler: off (--no-scheduler)"))
            // The stats rows' newest event is 22:00, two hours before now; the view's ttl is 1d.
            #expect(text.contains("<td>2026-11-19T22:00:00Z</td><td>2h 0m</td>"))
            #expect(!text.contains(#"class="stale""#))
            Self.expectEscaped(text, "/ui")
        }
    }

    @Test func aViewOlderThanItsTTLIsMarkedStale() async throws {
        let fixture = try await ServerFixture.make(
            withStats: true,
            beforeOpening: { repo in
                // A 1h ttl on the stats view: its newest row (22:00) is two hours old.
                let path = repo + "/driver_stats.yaml"
                let text = try String(contentsOfFile: path, encoding: .utf8)
                try text.replacingOccurrences(of: "ttl: 1d", with: "ttl: 1h").write(
                    toFile: path, atomically: true, encoding: .utf8)
                _ = try FeatureStore(repo: repo, clock: { ServerFixture.now }).apply()
            })
        try await fixture.test { client in
            let (_, text) = try await Self.page(client, "/ui")
            #expect(text.contains(#"<tr class="stale"><td><a href="/ui/feature-views/driver_hourly_stats">"#))
            #expect(text.contains("1 stale."))
        }
    }

    @Test func listsSearchAndEscape() async throws {
        let fixture = try await Self.fixture()
        try await fixture.test { client in
            for (uri, expected) in [
                ("/ui/entities", "/ui/entities/driver"), ("/ui/sources", "/ui/sources/driver_events"),
                ("/ui/feature-views", "/ui/feature-views/hostile_view"),
                ("/ui/feature-services", "/ui/feature-services/monitored"),
            ] {
                let (status, text) = try await Self.page(client, uri)
                #expect(status == 200, "\(uri)")
                #expect(text.contains(expected), "\(uri)")
                #expect(text.contains(#"<input type="search" name="q""#), "\(uri)")
                Self.expectEscaped(text, uri)
            }
            let (_, all) = try await Self.page(client, "/ui/feature-views")
            #expect(all.contains("&lt;script&gt;alert(&quot;view&quot;)&lt;/script&gt;"))
            let (_, found) = try await Self.page(client, "/ui/feature-views?q=mallory")
            #expect(found.contains("1 of 5."))
            #expect(found.contains("/ui/feature-views/hostile_view"))
            #expect(!found.contains("/ui/feature-views/driver_live"))
            let (_, hostileQuery) = try await Self.page(client, "/ui/feature-views?q=%3Cscript%3E")
            #expect(hostileQuery.contains(#"value="&lt;script&gt;""#))
            Self.expectEscaped(hostileQuery, "search")
        }
    }

    @Test func definitionPagesShowPlacesLinksLookupsAndEscape() async throws {
        let fixture = try await Self.fixture()
        try await fixture.test { client in
            let (status, view) = try await Self.page(client, "/ui/feature-views/hostile_view")
            #expect(status == 200)
            #expect(view.contains("<code>hostile.yaml:2</code>"))
            #expect(view.contains("&lt;b&gt;mallory&lt;/b&gt;"))
            #expect(view.contains(#"<a href="/ui/sources/driver_events">driver_events</a>"#))
            #expect(view.contains(#"<a href="/ui/stats/hostile_view/rating">stats</a>"#))
            #expect(view.contains(#"data-features="hostile_view:rating""#))
            #expect(view.contains(#"<input name="driver_id" data-type="int64""#))
            #expect(view.contains("curl -X POST http://127.0.0.1:0/get-online-features"))
            #expect(view.contains("requests.post("))
            #expect(view.contains(#"<script src="/ui/lookup.js"></script>"#))
            Self.expectEscaped(
                view.replacingOccurrences(of: #"<script src="/ui/lookup.js"></script>"#, with: ""), "view")

            let (_, service) = try await Self.page(client, "/ui/feature-services/monitored")
            #expect(service.contains("<code>monitored.yaml:2</code>"))
            #expect(service.contains(#"&quot;feature_service&quot;: &quot;monitored&quot;"#))
            #expect(service.contains(#"href="/ui/drift?service=monitored""#))
            let (_, entity) = try await Self.page(client, "/ui/entities/driver")
            #expect(entity.contains("<code>entities.yaml:2</code>"))
            #expect(entity.contains("driver_id (int64)"))
            let (_, source) = try await Self.page(client, "/ui/sources/driver_hourly_stats_source")
            #expect(source.contains("<code>driver_stats.yaml:"))
            #expect(source.contains(#"<a href="/ui/feature-views/driver_hourly_stats">"#))

            let (missing, text) = try await Self.page(client, "/ui/feature-views/nope")
            #expect(missing == 404)
            #expect(text.contains("no feature view &#39;nope&#39; is registered"))
            let (hostileMissing, hostileText) = try await Self.page(client, "/ui/entities/%3Cscript%3Ex")
            #expect(hostileMissing == 404)
            #expect(!hostileText.contains("<script>x"))
        }
    }

    @Test func lineageLinksSourcesViewsAndServices() async throws {
        let fixture = try await Self.fixture()
        try await fixture.test { client in
            let (status, text) = try await Self.page(client, "/ui/lineage")
            #expect(status == 200)
            #expect(text.contains("<svg"))
            for href in [
                "/ui/sources/driver_events", "/ui/feature-views/hostile_view", "/ui/feature-services/driver_activity",
            ] {
                #expect(text.contains(#"<a href="\#(href)">"#), "\(href)")
            }
            // One edge per view from its source, one per (service, view) pair: 5 + 3.
            #expect(text.components(separatedBy: "<path ").count - 1 == 8)
        }
    }

    @Test func statsAndDriftPagesDrawProfilesAndBins() async throws {
        let fixture = try await Self.fixture()
        try await fixture.test { client in
            let (status, stats) = try await Self.page(client, "/ui/stats/driver_hourly_stats/conv_rate")
            #expect(status == 200)
            #expect(stats.contains("<th>count</th><td>3</td>"))
            #expect(stats.contains(#"aria-label="histogram""#))
            let (windowed, _) = try await Self.page(client, "/ui/stats/driver_hourly_stats/conv_rate?window=1d")
            #expect(windowed == 200)
            let (bad, badText) = try await Self.page(client, "/ui/stats/driver_hourly_stats/conv_rate?window=x")
            #expect(bad == 400)
            #expect(badText.contains("window &#39;x&#39;"))
            let (unknown, _) = try await Self.page(client, "/ui/stats/driver_hourly_stats/nope")
            #expect(unknown == 404)

            let (_, index) = try await Self.page(client, "/ui/drift")
            #expect(index.contains(#"<a href="/ui/drift?service=monitored">monitored</a> against base"#))
            let (driftStatus, drift) = try await Self.page(client, "/ui/drift?service=monitored")
            #expect(driftStatus == 200)
            #expect(drift.contains("Against baseline <b>base</b>"))
            #expect(drift.contains(#"aria-label="bins""#))
            // Sorted by PSI: conv_rate (measured) before acc_rate (not in the baseline).
            let conv = try #require(drift.range(of: "driver_hourly_stats:conv_rate"))
            let acc = try #require(drift.range(of: "driver_hourly_stats:acc_rate"))
            #expect(conv.lowerBound < acc.lowerBound)
            let (missing, missingText) = try await Self.page(client, "/ui/drift?service=nope")
            #expect(missing == 404)
            #expect(missingText.contains("no feature service &#39;nope&#39;"))
        }
    }

    @Test func jobsAndAssets() async throws {
        let fixture = try await Self.fixture()
        try await fixture.test { client in
            let (status, jobs) = try await Self.page(client, "/ui/jobs")
            #expect(status == 200)
            #expect(
                jobs.contains(
                    #"<a href="/ui/feature-views/driver_hourly_stats">driver_hourly_stats</a></td><td>never</td>"#))
            let css = try await client.execute(uri: "/ui/style.css", method: .get) { $0 }
            #expect(css.status == .ok)
            #expect(css.headers[.contentType] == "text/css; charset=utf-8")
            let js = try await client.execute(uri: "/ui/lookup.js", method: .get) { $0 }
            #expect(js.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(String(buffer: js.body).contains("/get-online-features"))
        }
    }

    @Test func noUIServesNoPages() async throws {
        let fixture = try await ServerFixture.make(configure: { $0.uiEnabled = false })
        try await fixture.test { client in
            for uri in ["/ui", "/ui/style.css", "/ui/feature-views"] {
                let answer = try await client.get(uri)
                #expect(answer.status == 404, "\(uri)")
            }
            #expect(try await client.get("/health").status == 200)
        }
    }
}
