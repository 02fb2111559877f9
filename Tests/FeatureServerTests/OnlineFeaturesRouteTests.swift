import FeatureServer
import FeatureStoreKit
import Foundation
import HummingbirdTesting
import Testing

@Suite struct OnlineFeaturesRouteTests {
    /// Writes two drivers' live rows through `/write-to-online-store`.
    static func seed(_ client: any TestClientProtocol) async throws {
        let write = try await client.post(
            "/write-to-online-store",
            #"""
            {"feature_view_name": "driver_live", "df": {"driver_id": [1001, 1002, 1003],
             "rating": [4.5, 3.9, 5.0], "city": ["Oslo", null, "Rome"],
             "event_timestamp": ["2026-11-19T23:30:00Z", "2026-11-19T23:45:00Z", "2026-11-19T20:00:00Z"]}}
            """#)
        #expect(write.status == 200, "\(write.json)")
        #expect(write.json["written"] as? Int == 3)
    }

    @Test(arguments: ["/get-online-features", "/feast.serving.ServingService/GetOnlineFeatures"])
    func lookupAnswersInFeastShape(path: String) async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            try await Self.seed(client)
            let answer = try await client.post(
                path,
                #"{"features": ["driver_live:city", "driver_live:rating"], "entities": {"driver_id": [1002, 1001, 1003, 4242]}}"#
            )
            #expect(answer.status == 200)
            // Join keys first, then the features in request order (not Feast's reordering).
            #expect(answer.featureNames == ["driver_id", "city", "rating"])
            let keys = answer.column(0)
            #expect(keys.values.compactMap { $0 as? Int } == [1002, 1001, 1003, 4242])
            #expect(keys.statuses == ["PRESENT", "PRESENT", "PRESENT", "PRESENT"])
            let city = answer.column(named: "city")
            #expect(city.statuses == ["NULL_VALUE", "PRESENT", "OUTSIDE_MAX_AGE", "NOT_FOUND"])
            #expect(city.values[1] as? String == "Oslo")
            #expect(city.values[0] is NSNull && city.values[2] is NSNull && city.values[3] is NSNull)
            #expect(city.timestamps[0] == "2026-11-19T23:45:00Z")
            #expect(city.timestamps[1] == "2026-11-19T23:30:00Z")
            let rating = answer.column(named: "rating")
            #expect(rating.values[1] as? Double == 4.5)
            #expect(rating.statuses[0] == "PRESENT")
        }
    }

    @Test func fullFeatureNamesAndFeatureServices() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            try await Self.seed(client)
            let full = try await client.post(
                "/get-online-features",
                #"{"features": ["driver_live:rating"], "entities": {"driver_id": [1001]}, "full_feature_names": true}"#)
            #expect(full.featureNames == ["driver_id", "driver_live__rating"])
            let service = try await client.post(
                "/get-online-features", #"{"feature_service": "driver_activity", "entities": {"driver_id": [1001]}}"#)
            #expect(service.status == 200)
            #expect(service.featureNames.first == "driver_id")
            #expect(service.featureNames.contains("conv_rate") && service.featureNames.contains("trips_1h"))
            #expect(service.column(named: "conv_rate").statuses == ["NOT_FOUND"])
        }
    }

    /// Every client mistake gets its 4xx and a message naming the offending item.
    @Test(arguments: [
        (#"{"features": ["driver_live:rating"], "entities": {"driver_id": [1"#, 400, "invalid_input", "byte"),
        (#"["driver_live:rating"]"#, 400, "invalid_argument", "JSON object"),
        (#"{"entities": {"driver_id": [1]}}"#, 400, "invalid_argument", "feature_service"),
        (#"{"features": ["nope:rating"], "entities": {"driver_id": [1]}}"#, 404, "not_found", "nope"),
        (#"{"features": ["driver_live:ratin"], "entities": {"driver_id": [1]}}"#, 404, "not_found", "rating"),
        (#"{"feature_service": "nobody", "entities": {"driver_id": [1]}}"#, 404, "not_found", "nobody"),
        (#"{"features": ["driver_live:rating"], "entities": {"driver": [1]}}"#, 400, "invalid_argument", "driver_id"),
        (#"{"features": ["driver_live:rating"], "entities": {"driver_id": ["abc"]}}"#, 400, "invalid_argument", "abc"),
        (
            #"{"features": ["driver_live:rating"], "entities": {"driver_id": [1, 2], "x": [1]}}"#, 400,
            "invalid_argument", "'x'"
        ),
        (#"{"features": ["driver_live"], "entities": {"driver_id": [1]}}"#, 400, "invalid_argument", "view:feature"),
        (
            #"{"features": ["driver_live:rating"], "entities": {"driver_id": [1]}, "full_feature_names": "yes"}"#, 400,
            "invalid_argument", "full_feature_names"
        ),
        (#"{"features": ["driver_live:rating"]}"#, 400, "invalid_argument", "entities"),
        (
            #"{"features": ["driver_live:rating"], "entities": {"driver_id": [1, 2, 3, 4, 5, 6]}}"#, 400,
            "invalid_argument", "--max-entities"
        ),
    ])
    func clientMistakes(body: String, status: Int, code: String, mentions: String) async throws {
        let fixture = try await ServerFixture.make { $0.maxEntities = 5 }
        try await fixture.test { client in
            let answer = try await client.post("/get-online-features", body)
            #expect(answer.status == status, "\(answer.json)")
            #expect(answer.errorCode == code)
            #expect(answer.errorMessage.contains(mentions), "\(answer.errorMessage)")
        }
    }

    @Test func unequalEntityColumnsAreRejected() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            let answer = try await client.post(
                "/get-online-features",
                #"{"features": ["pair_stats:trips"], "entities": {"driver_id": [1, 2], "rider_id": [7]}}"#)
            #expect(answer.status == 400)
            #expect(answer.errorMessage.contains("'rider_id' has 1 values"), "\(answer.errorMessage)")
            let fine = try await client.post(
                "/get-online-features",
                #"{"features": ["pair_stats:trips"], "entities": {"rider_id": [7, 8], "driver_id": [1, 2]}}"#)
            #expect(fine.featureNames == ["rider_id", "driver_id", "trips"])
        }
    }

    @Test func bodyOverTheLimitIs413() async throws {
        let fixture = try await ServerFixture.make { $0.maxBodyBytes = 64 }
        try await fixture.test { client in
            let ids = (0..<50).map(String.init).joined(separator: ",")
            let answer = try await client.post(
                "/get-online-features", #"{"features": ["driver_live:rating"], "entities": {"driver_id": [\#(ids)]}}"#)
            #expect(answer.status == 413)
            #expect(answer.errorCode == "payload_too_large")
            #expect(answer.errorMessage.contains("--max-body"))
        }
    }

    @Test func unknownEndpointIs404JSON() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            let answer = try await client.get("/nope")
            #expect(answer.status == 404)
            #expect(answer.errorCode == "not_found")
        }
    }
}
