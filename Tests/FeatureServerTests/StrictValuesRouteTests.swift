import FeatureServer
import FeatureStoreKit
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Issue 9, server side: values a request sends are taken exactly or refused with 400 naming the
/// JSON path and the value; nothing is converted, clamped or stored as infinity or NaN.
@Suite struct StrictValuesRouteTests {
    static func push(rating: String = "4.5", driverID: String = "7", trips: String = "1") -> String {
        #"{"push_source_name": "driver_events", "to": "online_and_offline", "df": {"driver_id": [1, \#(driverID)], "event_timestamp": ["2026-11-19T23:50:00Z", "2026-11-19T23:51:00Z"], "rating": [1.0, \#(rating)], "city": ["a", "b"]}}"#
    }

    /// Non-finite float64 values: `1e999` overflows to infinity, and strings name infinities and NaN.
    @Test(arguments: [
        ("1e999", "df.rating[1] is 1e999"),
        (#""inf""#, #"df.rating[1] is "inf""#),
        (#""nan""#, #"df.rating[1] is "nan""#),
        (#""Infinity""#, #"df.rating[1] is "Infinity""#),
        (#""-infinity""#, #"df.rating[1] is "-infinity""#),
        (#""1e999""#, #"df.rating[1] is "1e999""#),
    ])
    func nonFiniteFloatsAreRefusedAndNothingIsWritten(_ rating: String, _ expected: String) async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            let answer = try await client.post("/push", Self.push(rating: rating))
            #expect(answer.status == 400)
            #expect(answer.errorMessage.contains(expected), "\(answer.errorMessage)")
            let lookup = try await PushRouteTests.lookup(client, [1, 7])
            #expect(lookup.column(named: "rating").statuses == ["NOT_FOUND", "NOT_FOUND"])
        }
        #expect(try fixture.offlineRows(source: "driver_events") == 0)
    }

    @Test func finiteNumbersInStringsAndIntegersStillReadAsFloats() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            let answer = try await client.post("/push", Self.push(rating: #""2.5e0""#))
            #expect(answer.status == 200, "\(answer.json)")
            let lookup = try await PushRouteTests.lookup(client, [1, 7])
            #expect(lookup.column(named: "rating").values.compactMap { $0 as? Double } == [1.0, 2.5])
        }
    }

    /// An int64 join key takes only JSON integers in range: no string, fraction, exponent, nor a
    /// value past the range clamped to it.
    @Test(arguments: [
        (#""1001""#, #"df.driver_id[1] is "1001", a string"#),
        ("1.0", "df.driver_id[1] is 1.0, not an integer"),
        ("1e2", "df.driver_id[1] is 100.0, not an integer"),
        ("-9223372036854775809", "df.driver_id[1] is -9223372036854775809, outside the int64 range"),
        ("9223372036854775808", "df.driver_id[1] is 9223372036854775808, outside the int64 range"),
    ])
    func int64KeysInPushesTakeOnlyIntegers(_ key: String, _ expected: String) async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            let answer = try await client.post("/push", Self.push(driverID: key))
            #expect(answer.status == 400)
            #expect(answer.errorMessage.contains(expected), "\(answer.errorMessage)")
        }
        #expect(try fixture.offlineRows(source: "driver_events") == 0)
    }

    @Test func int64ValuesTakeOnlyIntegers() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            let answer = try await client.post(
                "/push",
                #"{"push_source_name": "pair_events", "df": {"driver_id": [1], "rider_id": [2], "event_timestamp": ["2026-11-19T23:50:00Z"], "trips": ["3"]}}"#
            )
            #expect(answer.status == 400)
            #expect(answer.errorMessage.contains(#"df.trips[0] is "3", a string"#), "\(answer.errorMessage)")
        }
    }

    @Test func int64ExtremesAreKeptExactly() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            let push = try await client.post(
                "/push",
                #"{"push_source_name": "driver_events", "df": {"driver_id": [-9223372036854775808, 9223372036854775807], "event_timestamp": ["2026-11-19T23:50:00Z", "2026-11-19T23:50:00Z"], "rating": [1, 2], "city": ["min", "max"]}}"#
            )
            #expect(push.status == 200, "\(push.json)")
            let lookup = try await client.post(
                "/get-online-features",
                #"{"features": ["driver_live:city"], "entities": {"driver_id": [9223372036854775807, -9223372036854775808]}}"#
            )
            #expect(lookup.column(named: "city").values.compactMap { $0 as? String } == ["max", "min"])
        }
    }

    /// Lookups: Feast's clients send int64 join keys as JSON integers; anything else is refused.
    @Test(arguments: [
        (#""1001""#, #"entities.driver_id[1] is "1001", a string"#),
        ("1001.0", "entities.driver_id[1] is 1001.0, not an integer"),
        ("1e3", "entities.driver_id[1] is 1000.0, not an integer"),
        ("-9223372036854775809", "entities.driver_id[1] is -9223372036854775809, outside the int64 range"),
        ("null", "entities.driver_id[1] is null"),
        ("true", "entities.driver_id[1] is true (a boolean), not an int64"),
    ])
    func lookupKeysAreTypedStrictly(_ key: String, _ expected: String) async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            let answer = try await client.post(
                "/get-online-features",
                #"{"features": ["driver_live:rating"], "entities": {"driver_id": [1, \#(key)]}}"#)
            #expect(answer.status == 400)
            #expect(answer.errorMessage.contains(expected), "\(answer.errorMessage)")
        }
    }

    @Test func unknownJoinKeysAreStillNamed() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            let answer = try await client.post(
                "/get-online-features",
                #"{"features": ["driver_live:rating"], "entities": {"drivr_id": ["x"]}}"#)
            #expect(answer.status == 400)
            #expect(answer.errorMessage.contains("'drivr_id' is not a join key"), "\(answer.errorMessage)")
        }
    }

    /// What Feast's `remote` online store sends (`requests.post(json=...)`): integers for int64
    /// keys, naive ISO times, a null created time and `allow_registry_cache`.
    @Test func feastRemoteOnlineStoreWritesAreAccepted() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            let write = try await client.post(
                "/write-to-online-store",
                #"{"feature_view_name": "driver_live", "df": {"driver_id": [1001, 1002], "rating": [4.5, 3.0], "city": ["Lima", null], "event_timestamp": ["2026-11-19T23:00:00", "2026-11-19T23:00:00.250000"], "created": [null, null]}, "allow_registry_cache": false}"#
            )
            #expect(write.status == 200, "\(write.json)")
            #expect(write.json["written"] as? Int == 2)
            let read = try await PushRouteTests.lookup(client, [1001, 1002])
            #expect(read.column(named: "rating").values.compactMap { $0 as? Double } == [4.5, 3.0])
        }
    }

    @Test func repeatedMembersInABodyAreRefused() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            let answer = try await client.post(
                "/push",
                #"{"push_source_name": "driver_events", "df": {"driver_id": [1], "event_timestamp": ["2026-11-19T23:50:00Z"], "rating": [1], "city": ["a"], "rating": [2]}}"#
            )
            #expect(answer.status == 400)
            #expect(answer.errorMessage.contains(#"repeats the member "rating""#), "\(answer.errorMessage)")
            #expect(answer.errorMessage.contains("df"), "\(answer.errorMessage)")
        }
        #expect(try fixture.offlineRows(source: "driver_events") == 0)
    }

    @Test func materializeTimesNameTheirMember() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            let answer = try await client.post("/materialize", #"{"start_ts": "yesterday", "end_ts": "now"}"#)
            #expect(answer.status == 400)
            #expect(
                answer.errorMessage.hasPrefix(#"start_ts is "yesterday", not a timestamp"#), "\(answer.errorMessage)")
        }
    }
}
