import FeatureServer
import FeatureStoreKit
import Foundation
import HummingbirdTesting
import Testing

/// Regression (issue 9, finding 7): a push stamped 9999-12-31 was accepted and, since online writes
/// never go back in time, pinned that entity's value forever.
@Suite struct PushTimeLimitTests {
    @Test func eventTimesFarInTheFutureAreRefusedAndNothingIsWritten() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            // The fixture's clock is 2026-11-20T00:00:00Z; the default future_skew is 1 day.
            let far = try await client.post(
                "/push",
                #"""
                {"push_source_name": "driver_events", "to": "online_and_offline",
                 "df": {"driver_id": [7, 8], "event_timestamp": ["2026-11-19T23:50:00Z", "9999-12-31T23:59:59Z"],
                        "rating": [4, 3.5], "city": ["Lima", "Kyiv"]}}
                """#)
            #expect(far.status == 400, "\(far.json)")
            let message = ((far.json["error"] as? [String: Any])?["message"] as? String) ?? ""
            #expect(message.contains("df.event_timestamp[1]"), "\(message)")
            #expect(message.contains("future_skew"), "\(message)")
            let lookup = try await PushRouteTests.lookup(client, [7])
            #expect(lookup.column(named: "rating").statuses == ["NOT_FOUND"])
            // Within the skew is fine.
            let soon = try await client.post(
                "/push",
                #"{"push_source_name": "driver_events", "df": {"driver_id": [7], "event_timestamp": ["2026-11-20T12:00:00Z"], "rating": [4.5], "city": ["Lima"]}}"#
            )
            #expect(soon.status == 200, "\(soon.json)")
            let write = try await client.post(
                "/write-to-online-store",
                #"{"feature_view_name": "driver_live", "df": {"driver_id": [9], "event_timestamp": ["2027-06-01T00:00:00Z"], "rating": [1.0], "city": ["X"]}}"#
            )
            #expect(write.status == 400, "\(write.json)")
        }
        #expect(try fixture.offlineRows(source: "driver_events") == 0)
    }
}
