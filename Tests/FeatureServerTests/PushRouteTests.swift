import FeatureServer
import FeatureStoreKit
import Foundation
import HummingbirdTesting
import Testing

@Suite struct PushRouteTests {
    static func lookup(_ client: any TestClientProtocol, _ ids: [Int]) async throws -> Answer {
        try await client.post(
            "/get-online-features",
            #"{"features": ["driver_live:rating", "driver_live:city"], "entities": {"driver_id": \#(ids)}}"#)
    }

    @Test func pushIsVisibleToTheNextLookupAndStoredOffline() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            let before = try await Self.lookup(client, [7])
            #expect(before.column(named: "rating").statuses == ["NOT_FOUND"])
            let push = try await client.post(
                "/push",
                #"""
                {"push_source_name": "driver_events", "to": "online_and_offline",
                 "df": {"driver_id": [7, 8], "event_timestamp": ["2026-11-19T23:50:00Z", "2026-11-19 23:55:00+00:00"],
                        "rating": [4, 3.5], "city": ["Lima", "Kyiv"]}}
                """#)
            #expect(push.status == 200, "\(push.json)")
            #expect(push.json["rows"] as? Int == 2)
            #expect(push.json["offline_inserted"] as? Int == 2)
            #expect((push.json["online_written"] as? [String: Any])?["driver_live"] as? Int == 2)
            let after = try await Self.lookup(client, [8, 7])
            #expect(after.column(named: "rating").values.compactMap { $0 as? Double } == [3.5, 4])
            #expect(after.column(named: "city").values.compactMap { $0 as? String } == ["Kyiv", "Lima"])
            #expect(after.column(named: "city").timestamps == ["2026-11-19T23:55:00Z", "2026-11-19T23:50:00Z"])
        }
        #expect(try fixture.offlineRows(source: "driver_events") == 2)
    }

    @Test func onlineWritesAreMonotonic() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            let newer =
                #"{"push_source_name": "driver_events", "df": {"driver_id": [9], "event_timestamp": ["2026-11-19T23:50:00Z"], "rating": [5.0], "city": ["New"]}}"#
            let older =
                #"{"push_source_name": "driver_events", "df": {"driver_id": [9], "event_timestamp": ["2026-11-19T23:10:00Z"], "rating": [1.0], "city": ["Old"]}}"#
            let first = try await client.post("/push", newer)
            #expect(first.status == 200)
            let stale = try await client.post("/push", older)
            #expect(stale.status == 200)
            #expect((stale.json["online_written"] as? [String: Any])?["driver_live"] as? Int == 0)
            let answer = try await Self.lookup(client, [9])
            #expect(answer.column(named: "city").values.first as? String == "New")
        }
        // Default destination is online only.
        #expect(try fixture.offlineRows(source: "driver_events") == 0)
    }

    @Test func rejectedPushWritesNothing() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            // The second row's rating is not a number: the whole request is refused.
            let answer = try await client.post(
                "/push",
                #"""
                {"push_source_name": "driver_events", "to": "online_and_offline",
                 "df": {"driver_id": [11, 12], "event_timestamp": ["2026-11-19T23:50:00Z", "2026-11-19T23:50:00Z"],
                        "rating": [4.0, "high"], "city": ["A", "B"]}}
                """#)
            #expect(answer.status == 400)
            #expect(answer.errorMessage.contains(#"df.rating[1] is "high""#), "\(answer.errorMessage)")
            let lookup = try await Self.lookup(client, [11, 12])
            #expect(lookup.column(named: "rating").statuses == ["NOT_FOUND", "NOT_FOUND"])
        }
        #expect(try fixture.offlineRows(source: "driver_events") == 0)
    }

    @Test(arguments: [
        (#"{"push_source_name": "nope", "df": {"driver_id": [1]}}"#, 404, "nope"),
        (#"{"push_source_name": "driver_hourly_stats_source", "df": {"driver_id": [1]}}"#, 400, "kind csv"),
        (#"{"df": {"driver_id": [1]}}"#, 400, "push_source_name"),
        (#"{"push_source_name": "driver_events", "to": "cloud", "df": {"driver_id": [1]}}"#, 400, "online_and_offline"),
        (
            #"{"push_source_name": "driver_events", "df": {"driver_id": [1], "event_timestamp": ["2026-11-19T23:50:00Z"], "rating": [1], "city": ["x"], "color": ["red"]}}"#,
            400, "'color'"
        ),
        (
            #"{"push_source_name": "driver_events", "df": {"driver_id": [1], "event_timestamp": ["2026-11-19T23:50:00Z"], "rating": [1]}}"#,
            400, "'city'"
        ),
        (
            #"{"push_source_name": "driver_events", "df": {"driver_id": [1, 2], "event_timestamp": ["2026-11-19T23:50:00Z"], "rating": [1], "city": ["x"]}}"#,
            400, "one value per row"
        ),
        (
            #"{"push_source_name": "driver_events", "df": {"driver_id": [null], "event_timestamp": ["2026-11-19T23:50:00Z"], "rating": [1], "city": ["x"]}}"#,
            400, "join key"
        ),
        (
            #"{"push_source_name": "driver_events", "df": {"driver_id": [1], "event_timestamp": ["yesterday"], "rating": [1], "city": ["x"]}}"#,
            400, "yesterday"
        ),
        (#"{"push_source_name": "driver_events", "df": [1]}"#, 400, "\"df\""),
    ])
    func pushMistakes(body: String, status: Int, mentions: String) async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            let answer = try await client.post("/push", body)
            #expect(answer.status == status, "\(answer.json)")
            #expect(answer.errorMessage.contains(mentions), "\(answer.errorMessage)")
        }
    }

    @Test(arguments: [
        (#"{"feature_view_name": "nope", "df": {"driver_id": [1]}}"#, 404, "nope"),
        (#"{"feature_view_name": "driver_trip_stats", "df": {"driver_id": [1]}}"#, 400, "aggregates"),
        (
            #"{"feature_view_name": "driver_live", "df": {"rating": [1], "city": ["x"], "event_timestamp": ["2026-11-19T23:50:00Z"]}}"#,
            400, "'driver_id'"
        ),
        (
            #"{"feature_view_name": "driver_live", "df": {"driver_id": [1], "rating": [1], "city": ["x"]}}"#, 400,
            "event timestamp"
        ),
        (
            #"{"feature_view_name": "driver_live", "df": {"driver_id": [1], "rating": [true], "city": ["x"], "event_timestamp": ["2026-11-19T23:50:00Z"]}}"#,
            400, "float64"
        ),
    ])
    func writeMistakes(body: String, status: Int, mentions: String) async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            let answer = try await client.post("/write-to-online-store", body)
            #expect(answer.status == status, "\(answer.json)")
            #expect(answer.errorMessage.contains(mentions), "\(answer.errorMessage)")
        }
    }
}
