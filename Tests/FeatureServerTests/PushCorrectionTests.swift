import FeatureServer
import FeatureStoreKit
import Foundation
import HummingbirdTesting
import Testing

/// Pushes to a source with `dedupe_on` can correct an event: a correction that moves the event
/// earlier (or to another driver) must be served at once, not the version it replaced.
@Suite struct PushCorrectionTests {
    static let yaml = """
        sources:
          - name: rating_events
            kind: push
            timestamp_field: event_timestamp
            dedupe_on: [event_id]
            schema: {event_id: int64, driver_id: int64, event_timestamp: timestamp, score: float64}
        feature_views:
          - {name: driver_scores, entities: [driver], source: rating_events, ttl: 0, features: [score]}
        """

    static func push(_ client: any TestClientProtocol, event: Int, driver: Int, at time: String, score: Double)
        async throws -> Answer
    {
        try await client.post(
            "/push",
            #"{"push_source_name": "rating_events", "to": "online_and_offline", "df": {"event_id": [\#(event)], "driver_id": [\#(driver)], "event_timestamp": ["\#(time)"], "score": [\#(score)]}}"#
        )
    }

    static func scores(_ client: any TestClientProtocol, _ ids: [Int]) async throws -> [Any] {
        let answer = try await client.post(
            "/get-online-features", #"{"features": ["driver_scores:score"], "entities": {"driver_id": \#(ids)}}"#)
        return answer.column(named: "score").values
    }

    /// Regression: the pushed correction was stored offline, but the replaced (later) version
    /// stayed online until a materialization, and forever without one.
    @Test func aPushedCorrectionMovingAnEventEarlierOrElsewhereIsServedAtOnce() async throws {
        let fixture = try await ServerFixture.make(beforeOpening: { repo in
            try Self.yaml.write(toFile: repo + "/corrections.yaml", atomically: true, encoding: .utf8)
            _ = try FeatureStore(repo: repo, clock: { ServerFixture.now }).apply()
        })
        try await fixture.test { client in
            #expect(
                try await Self.push(client, event: 1, driver: 5, at: "2026-11-19T20:00:00Z", score: 1).status == 200)
            #expect(
                try await Self.push(client, event: 2, driver: 5, at: "2026-11-19T22:00:00Z", score: 2).status == 200)
            #expect(try await Self.scores(client, [5]).compactMap { $0 as? Double } == [2])
            // Event 2 happened at 19:00: event 1 is driver 5's newest.
            let earlier = try await Self.push(client, event: 2, driver: 5, at: "2026-11-19T19:00:00Z", score: 3)
            #expect(earlier.json["offline_replaced"] as? Int == 1, "\(earlier.json)")
            #expect(try await Self.scores(client, [5]).compactMap { $0 as? Double } == [1])
            // Event 1 belonged to driver 6: driver 5 is left with event 2 (19:00).
            #expect(
                try await Self.push(client, event: 1, driver: 6, at: "2026-11-19T20:00:00Z", score: 4).status == 200)
            #expect(try await Self.scores(client, [5, 6]).compactMap { $0 as? Double } == [3, 4])
        }
    }
}
