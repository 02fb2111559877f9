import FeatureServer
import FeatureStoreKit
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct MaterializeRouteTests {
    static let statsLookup =
        #"{"features": ["driver_hourly_stats:conv_rate", "driver_hourly_stats:avg_daily_trips"], "entities": {"driver_id": [1001, 1002]}}"#

    @Test func materializeThenLookup() async throws {
        let fixture = try await ServerFixture.make(withStats: true)
        try await fixture.test { client in
            let before = try await client.post("/get-online-features", Self.statsLookup)
            #expect(before.column(named: "conv_rate").statuses == ["NOT_FOUND", "NOT_FOUND"])
            let report = try await client.post(
                "/materialize",
                #"{"start_ts": "2026-11-19T00:00:00Z", "end_ts": "2026-11-20T00:00:00Z", "feature_views": ["driver_hourly_stats"]}"#
            )
            #expect(report.status == 200, "\(report.json)")
            let views = report.json["views"] as? [[String: Any]] ?? []
            #expect(views.first?["view"] as? String == "driver_hourly_stats")
            #expect(views.first?["rows_scanned"] as? Int == 3)
            #expect(views.first?["written"] as? Int == 2)
            let after = try await client.post("/get-online-features", Self.statsLookup)
            #expect(after.column(named: "conv_rate").values.compactMap { $0 as? Double } == [0.6, 0.7])
            #expect(after.column(named: "avg_daily_trips").values.compactMap { $0 as? Int } == [11, 12])
        }
    }

    @Test func materializeIncrementalDecodesAsAReport() async throws {
        let fixture = try await ServerFixture.make(withStats: true)
        try await fixture.test { client in
            let body = try await client.execute(
                uri: "/materialize-incremental", method: .post,
                body: ByteBuffer(
                    string: #"{"end_ts": "now", "feature_views": ["driver_hourly_stats", "driver_trip_stats"]}"#)
            ) { response in
                #expect(response.status == .ok)
                return Data(response.body.readableBytesView)
            }
            let report = try JSONDecoder().decode(MaterializationReport.self, from: body)
            #expect(report.views.first?.view == "driver_hourly_stats")
            #expect(report.views.first?.from == ServerFixture.now - .days(1))
            #expect(report.views.first?.to == ServerFixture.now)
            #expect(
                report.views.contains { $0.view == "driver_trip_stats" } || report.skipped["driver_trip_stats"] != nil)
            #expect(report.views.first?.written == 2)
        }
    }

    @Test(arguments: [
        ("/materialize", #"{"start_ts": "2026-11-20T00:00:00Z", "end_ts": "2026-11-19T00:00:00Z"}"#, 400, "swap"),
        ("/materialize", #"{"end_ts": "2026-11-19T00:00:00Z"}"#, 400, "start_ts"),
        ("/materialize", #"{"start_ts": "soon", "end_ts": "now"}"#, 400, "start_ts"),
        ("/materialize-incremental", #"{"end_ts": "now", "feature_views": ["nope"]}"#, 404, "nope"),
        ("/materialize-incremental", #"{"end_ts": "now", "feature_views": "driver_live"}"#, 400, "feature_views"),
        // Found by the fuzzer: one view listed 5,000 times held the store for minutes.
        (
            "/materialize-incremental",
            #"{"end_ts": "now", "feature_views": ["driver_live", "pair_stats", "driver_live"]}"#,
            400, "feature_views[2] lists 'driver_live' again"
        ),
    ])
    func materializeMistakes(path: String, body: String, status: Int, mentions: String) async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            let answer = try await client.post(path, body)
            #expect(answer.status == status, "\(answer.json)")
            #expect(answer.errorMessage.contains(mentions), "\(answer.errorMessage)")
        }
    }
}
