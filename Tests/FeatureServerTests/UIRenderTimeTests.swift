import FeatureServer
import FeatureStoreKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Renders every UI page of a generated 500-view repo and prints the server time per page (the
/// figures in docs/benchmarks.md). Times are reported, never asserted; the test checks that
/// every page renders. A benchmark: it runs with `FS_UI_BENCH=1` only, since its seconds of
/// rendering on the cooperative pool would slow the timing-sensitive tests running beside it.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["FS_UI_BENCH"] != nil))
struct UIRenderTimeTests {
    static let views = 500
    static let sourcesCount = 50
    static let servicesCount = 50

    /// 50 push sources, 500 views of 4 features (10 per source), 50 services of 4 views each.
    static func generatedYAML() -> String {
        var text = "sources:\n"
        for source in 0..<sourcesCount {
            text += """
                  - name: source_\(source)
                    kind: push
                    timestamp_field: event_timestamp
                    description: Generated source \(source).
                    schema:
                      driver_id: int64
                      event_timestamp: timestamp
                      a: float64
                      b: float64
                      c: int64
                      d: string

                """
        }
        text += "feature_views:\n"
        for view in 0..<views {
            text += """
                  - name: view_\(view)
                    entities: [driver]
                    source: source_\(view % sourcesCount)
                    ttl: 1d
                    description: Generated view \(view).
                    owner: team_\(view % 7)
                    tags: { tier: "t\(view % 3)" }
                    features:
                      - { name: a, type: float64 }
                      - { name: b, type: float64 }
                      - { name: c, type: int64 }
                      - { name: d, type: string }

                """
        }
        text += "feature_services:\n"
        for service in 0..<servicesCount {
            // Four views each, one feature from each (a service's feature names must be distinct).
            let members = ["a", "b", "c", "d"].enumerated().map { "view_\(service * 10 + $0):\($1)" }
                .joined(separator: ", ")
            text += "  - name: service_\(service)\n    features: [\(members)]\n"
        }
        return text
    }

    @Test func pagesOfA500ViewRepo() async throws {
        let fixture = try await ServerFixture.make(beforeOpening: { repo in
            try Self.generatedYAML().write(toFile: repo + "/generated.yaml", atomically: true, encoding: .utf8)
            _ = try FeatureStore(repo: repo, clock: { ServerFixture.now }).apply()
        })
        let pages = [
            "/ui", "/ui/feature-views", "/ui/feature-views?q=team_3", "/ui/feature-views/view_250",
            "/ui/feature-services/service_25", "/ui/sources/source_7", "/ui/entities", "/ui/lineage", "/ui/jobs",
            "/ui/stats/view_250/a", "/ui/drift",
        ]
        try await fixture.test { client in
            var lines: [String] = []
            for page in pages {
                var times: [Double] = []
                var size = 0
                for _ in 0..<7 {
                    let started = ContinuousClock.now
                    let (status, bytes) = try await client.execute(uri: page, method: .get) {
                        ($0.status.code, $0.body.readableBytes)
                    }
                    let elapsed = ContinuousClock.now - started
                    #expect(status == 200, "\(page)")
                    size = bytes
                    times.append(
                        Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
                }
                times.sort()
                lines.append(
                    "| `\(page)` | \(String(format: "%.1f", times[times.count / 2])) | \(String(format: "%.1f", times.last!)) | \(size / 1024) |"
                )
            }
            print("UI render times, 500 views (ms, median and max of 7; KiB):\n" + lines.joined(separator: "\n"))
        }
    }
}
