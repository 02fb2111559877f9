import FeatureStoreKit
import Foundation
import HummingbirdTesting
import Testing

@testable import FeatureServer

/// `POST /log/outcomes`: one outcome or a batch, stored all or nothing; bad input is a 400 that
/// names where it is; an unknown request id is accepted.
@Suite struct OutcomesRouteTests {
    func stored(_ fixture: ServerFixture) throws -> [LoggedOutcome] {
        try FeatureStore(repo: fixture.repo).offlineStore().outcomes()
    }

    @Test func oneOutcomeAndABatchAreStored() async throws {
        let fixture = try await ServedLogRouteTests.make()
        try await fixture.test { client in
            let one = try await client.post(
                "/log/outcomes",
                #"{"request_id": "req-1", "event_timestamp": "2026-11-19T23:59:00Z", "values": {"prediction": 0.83, "label": 1}}"#
            )
            #expect(one.status == 200, "\(one.json)")
            #expect(one.json["outcomes"] as? Int == 1 && one.json["values"] as? Int == 2)
            // A late label, a string, a bool, and an id no lookup had (yet): all accepted.
            let batch = try await client.post(
                "/log/outcomes",
                #"""
                {"outcomes": [
                  {"request_id": "req-1", "event_timestamp": "2026-11-20T00:00:00Z", "values": {"label": 0}},
                  {"values": {"model": "v3", "clicked": true}, "event_timestamp": 1795132800, "request_id": "never-seen"}
                ]}
                """#)
            #expect(batch.status == 200, "\(batch.json)")
            #expect(batch.json["outcomes"] as? Int == 2 && batch.json["values"] as? Int == 3)
        }
        let t2359 = Timestamp.parse("2026-11-19T23:59:00Z")!
        let t0000 = Timestamp.parse("2026-11-20T00:00:00Z")!
        #expect(
            try stored(fixture) == [
                LoggedOutcome(
                    requestID: "req-1", eventTime: t2359, values: [.init(name: "prediction", value: .float64(0.83))]),
                LoggedOutcome(requestID: "req-1", eventTime: t2359, values: [.init(name: "label", value: .int64(1))]),
                LoggedOutcome(requestID: "req-1", eventTime: t0000, values: [.init(name: "label", value: .int64(0))]),
                LoggedOutcome(
                    requestID: "never-seen", eventTime: t0000, values: [.init(name: "model", value: .string("v3"))]),
                LoggedOutcome(
                    requestID: "never-seen", eventTime: t0000, values: [.init(name: "clicked", value: .bool(true))]),
            ])
    }

    @Test(arguments: [
        (#"[1]"#, "the request body is an array"),
        (#"{"values": {"p": 1}, "event_timestamp": "2026-11-19T00:00:00Z"}"#, "missing request_id"),
        (
            #"{"request_id": 7, "event_timestamp": "2026-11-19T00:00:00Z", "values": {"p": 1}}"#,
            "request_id is a number"
        ),
        (
            #"{"request_id": "a b", "event_timestamp": "2026-11-19T00:00:00Z", "values": {"p": 1}}"#,
            "is not a request id"
        ),
        (#"{"request_id": "r", "values": {"p": 1}}"#, "missing event_timestamp"),
        (
            #"{"request_id": "r", "event_timestamp": "yesterday", "values": {"p": 1}}"#,
            "event_timestamp is \"yesterday\""
        ),
        (
            #"{"request_id": "r", "event_timestamp": "2030-01-01T00:00:00Z", "values": {"p": 1}}"#,
            "ahead of the current time"
        ),
        (#"{"request_id": "r", "event_timestamp": "2026-11-19T00:00:00Z"}"#, "missing values"),
        (#"{"request_id": "r", "event_timestamp": "2026-11-19T00:00:00Z", "values": {}}"#, "values is empty"),
        (#"{"request_id": "r", "event_timestamp": "2026-11-19T00:00:00Z", "values": [1]}"#, "values is an array"),
        (#"{"request_id": "r", "event_timestamp": "2026-11-19T00:00:00Z", "values": {"p": null}}"#, "values.p is null"),
        (
            #"{"request_id": "r", "event_timestamp": "2026-11-19T00:00:00Z", "values": {"p": [1]}}"#,
            "values.p is an array"
        ),
        (
            #"{"request_id": "r", "event_timestamp": "2026-11-19T00:00:00Z", "values": {"p": 99999999999999999999}}"#,
            "beyond the range of a 64-bit integer"
        ),
        (
            #"{"request_id": "r", "event_timestamp": "2026-11-19T00:00:00Z", "values": {"__x": 1}}"#,
            "outcome name \"__x\""
        ),
        (
            #"{"request_id": "r", "event_timestamp": "2026-11-19T00:00:00Z", "values": {"a b": 1}}"#,
            "outcome name \"a b\""
        ),
        (
            #"{"request_id": "r", "event_timestamp": "2026-11-19T00:00:00Z", "values": {"p": 1}, "valeus": 2}"#,
            "unknown member \"valeus\""
        ),
        (#"{"outcomes": []}"#, "\"outcomes\" is empty"),
        (#"{"outcomes": {}}"#, "\"outcomes\" is an object"),
        (
            #"{"outcomes": [{"request_id": "r", "event_timestamp": "2026-11-19T00:00:00Z", "values": {"p": 1}}], "x": 1}"#,
            "\"x\" beside \"outcomes\""
        ),
        (
            #"{"outcomes": [{"request_id": "r", "event_timestamp": "2026-11-19T00:00:00Z", "values": {"p": 1}}, 3]}"#,
            "outcomes[1] is a number"
        ),
        (
            #"{"outcomes": [{"request_id": "r", "event_timestamp": "2026-11-19T00:00:00Z", "values": {"p": 1}}, {"request_id": "r", "event_timestamp": "x", "values": {"p": 1}}]}"#,
            "outcomes[1].event_timestamp is \"x\""
        ),
        (#"{"request_id": "r", "#, "the request body"),
    ])
    func badInputIsAClear400AndStoresNothing(body: String, message: String) async throws {
        let fixture = try await ServedLogRouteTests.make()
        try await fixture.test { client in
            let answer = try await client.post("/log/outcomes", body)
            #expect(answer.status == 400, "\(answer.json)")
            #expect(answer.errorCode == "invalid_argument" || answer.errorCode == "invalid_input", "\(answer.json)")
            #expect(answer.errorMessage.contains(message), "\(answer.errorMessage)")
        }
        #expect(try stored(fixture).isEmpty)
    }

    @Test func tooManyOutcomesAreRefused() async throws {
        let fixture = try await ServedLogRouteTests.make(configure: { $0.maxEntities = 2 })
        let item = #"{"request_id": "r", "event_timestamp": "2026-11-19T00:00:00Z", "values": {"p": 1}}"#
        try await fixture.test { client in
            let answer = try await client.post("/log/outcomes", #"{"outcomes": [\#(item), \#(item), \#(item)]}"#)
            #expect(answer.status == 400)
            #expect(answer.errorMessage.contains("3 items, more than the server's limit of 2"))
        }
    }
}
