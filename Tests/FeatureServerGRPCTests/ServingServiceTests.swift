import FeastProtos
import FeatureServer
import FeatureServerGRPC
import FeatureStoreKit
import Foundation
import GRPCCore
import HummingbirdTesting
import SwiftProtobuf
import Testing

@Suite struct ServingServiceTests {
    /// Three drivers' live rows: 1001 fresh, 1002 fresh with a null city, 1003 older than the 1h ttl.
    static func seedLive(_ http: any TestClientProtocol) async throws {
        try await http.write(
            "driver_live",
            #"""
            {"driver_id": [1001, 1002, 1003], "rating": [4.5, 3.9, 5.0], "city": ["Oslo", null, "Rome"],
             "event_timestamp": ["2026-11-19T23:30:00Z", "2026-11-19T23:45:00.123456Z", "2026-11-19T20:00:00Z"]}
            """#, rows: 3)
    }

    @Test func lookupAnswersInFeastShapeWithEveryStatus() async throws {
        let fixture = try await GRPCFixture.make()
        try await fixture.run { http, clients in
            try await Self.seedLive(http)
            let answer = try await clients.serving.getOnlineFeatures(
                onlineRequest(
                    features: ["driver_live:city", "driver_live:rating"],
                    entities: ["driver_id": [.int64(1002), .int64(1001), .int64(1003), .int64(4242)]]))
            #expect(answer.status)
            // Join keys first, then the features in request order; rows in request order.
            #expect(answer.metadata.featureNames.val == ["driver_id", "city", "rating"])
            #expect(answer.results.count == 3)
            let keys = answer.results[0]
            #expect(keys.values == [.int64(1002), .int64(1001), .int64(1003), .int64(4242)])
            #expect(keys.statuses == [.present, .present, .present, .present])
            #expect(keys.eventTimestamps.allSatisfy { $0.seconds == 0 && $0.nanos == 0 })
            let city = answer.results[1]
            #expect(city.statuses == [.nullValue, .present, .outsideMaxAge, .notFound])
            #expect(city.values == [Feast_Types_Value(), .string("Oslo"), Feast_Types_Value(), Feast_Types_Value()])
            let seconds = Timestamp.parse("2026-11-19T23:45:00Z")!.microseconds / 1_000_000
            #expect(city.eventTimestamps[0] == Google_Protobuf_Timestamp(seconds: seconds, nanos: 123_456_000))
            #expect(city.eventTimestamps[1].seconds == seconds - 15 * 60)
            #expect(city.eventTimestamps[2].seconds == seconds - 3 * 3600 - 45 * 60)
            #expect(city.eventTimestamps[3] == Google_Protobuf_Timestamp(seconds: 0, nanos: 0))
            let rating = answer.results[2]
            #expect(rating.values[0].doubleVal == 3.9 && rating.values[1].doubleVal == 4.5)
            #expect(rating.statuses == [.present, .present, .outsideMaxAge, .notFound])
        }
    }

    @Test func everyValueTypeComesBackInItsMember() async throws {
        let fixture = try await GRPCFixture.make()
        try await fixture.run { http, clients in
            try await http.write(
                "typed",
                #"""
                {"driver_id": [7, 8, 9],
                 "trips": [9223372036854775807, null, -9223372036854775808],
                 "ratio": [-0.0, null, 1.7976931348623157e308],
                 "label": ["ünïcødé ✓", null, ""],
                 "active": [true, null, false],
                 "blob": ["AP8B", null, ""],
                 "seen_at": ["2026-11-19T12:34:56.789Z", null, "1969-12-31T23:59:59.500001Z"],
                 "event_timestamp": ["2026-11-19T23:00:00Z", "2026-11-19T23:00:00Z", "0001-01-01T00:00:00Z"]}
                """#, rows: 3)
            let answer = try await clients.serving.getOnlineFeatures(
                onlineRequest(features: ["typed:*"], entities: ["driver_id": [.int64(7), .int64(8), .int64(9)]]))
            #expect(
                answer.metadata.featureNames.val == [
                    "driver_id", "trips", "ratio", "label", "active", "blob", "seen_at",
                ])
            func column(_ name: String) -> Feast_Serving_GetOnlineFeaturesResponse.FeatureVector {
                answer.results[answer.metadata.featureNames.val.firstIndex(of: name)!]
            }
            #expect(column("trips").values[0].val == .int64Val(.max))
            #expect(column("trips").values[2].val == .int64Val(.min))
            #expect(column("ratio").values[0].val == .doubleVal(-0.0))
            #expect(column("ratio").values[0].doubleVal.sign == .minus)
            #expect(column("ratio").values[2].val == .doubleVal(.greatestFiniteMagnitude))
            #expect(column("label").values[0].val == .stringVal("ünïcødé ✓"))
            #expect(column("label").values[2].val == .stringVal(""))
            #expect(column("active").values[0].val == .boolVal(true))
            #expect(column("active").values[2].val == .boolVal(false))
            #expect(column("blob").values[0].val == .bytesVal(Data([0, 255, 1])))
            #expect(column("blob").values[2].val == .bytesVal(Data()))
            // unix_timestamp_val is whole seconds (Feast's definition): the floor, also before 1970.
            let seen = Timestamp.parse("2026-11-19T12:34:56Z")!.microseconds / 1_000_000
            #expect(column("seen_at").values[0].val == .unixTimestampVal(seen))
            #expect(column("seen_at").values[2].val == .unixTimestampVal(-1))
            // Row 8 holds nulls: an empty Value and NULL_VALUE in every feature.
            for name in ["trips", "ratio", "label", "active", "blob", "seen_at"] {
                #expect(column(name).values[1].val == nil, "\(name)")
                #expect(column(name).statuses == [.present, .nullValue, .present], "\(name)")
            }
            // Event times are exact, also at year 0001.
            #expect(column("trips").eventTimestamps[2] == Google_Protobuf_Timestamp(seconds: -62_135_596_800, nanos: 0))
        }
    }

    @Test func compoundAndStringJoinKeysComeFirstInTheFeaturesOrder() async throws {
        let fixture = try await GRPCFixture.make()
        try await fixture.run { http, clients in
            try await http.write(
                "pair_stats",
                #"{"driver_id": [1, 2], "rider_id": [10, 20], "rides": [3, 4], "event_timestamp": ["2026-11-19T23:00:00Z", "2026-11-19T23:00:00Z"]}"#,
                rows: 2)
            try await http.write(
                "zone_stats",
                #"{"zone_code": ["north", "south"], "demand": [0.25, 0.5], "event_timestamp": ["2026-11-19T23:00:00Z", "2026-11-19T21:00:00Z"]}"#,
                rows: 2)
            let pairs = try await clients.serving.getOnlineFeatures(
                onlineRequest(
                    features: ["pair_stats:rides"],
                    entities: [
                        "rider_id": [.int64(20), .int64(10), .int64(10)],
                        "driver_id": [.int64(2), .int64(1), .int64(2)],
                    ]))
            // A protobuf map has no order: join keys come in the order the features need them.
            #expect(pairs.metadata.featureNames.val == ["driver_id", "rider_id", "rides"])
            #expect(pairs.results[0].values == [.int64(2), .int64(1), .int64(2)])
            #expect(pairs.results[1].values == [.int64(20), .int64(10), .int64(10)])
            #expect(pairs.results[2].values == [.int64(4), .int64(3), Feast_Types_Value()])
            #expect(pairs.results[2].statuses == [.present, .present, .notFound])
            let zones = try await clients.serving.getOnlineFeatures(
                onlineRequest(
                    features: ["zone_stats:demand", "driver_live:rating"],
                    entities: [
                        "zone_code": [.string("south"), .string("north"), .string("east")],
                        "driver_id": [.int64(1), .int64(2), .int64(3)],
                    ],
                    fullFeatureNames: true))
            #expect(
                zones.metadata.featureNames.val == [
                    "zone_code", "driver_id", "zone_stats__demand", "driver_live__rating",
                ])
            #expect(zones.results[2].statuses == [.outsideMaxAge, .present, .notFound])
            #expect(zones.results[2].values[1] == .with { $0.doubleVal = 0.25 })
        }
    }

    @Test func int32EntityValuesServeInt64JoinKeys() async throws {
        let fixture = try await GRPCFixture.make()
        try await fixture.run { http, clients in
            try await Self.seedLive(http)
            let answer = try await clients.serving.getOnlineFeatures(
                onlineRequest(features: ["driver_live:rating"], entities: ["driver_id": [.with { $0.int32Val = 1001 }]])
            )
            #expect(answer.results[0].values == [.int64(1001)])
            #expect(answer.results[1].values == [.with { $0.doubleVal = 4.5 }])
        }
    }

    @Test func featureServicesAndFullFeatureNames() async throws {
        let fixture = try await GRPCFixture.make()
        try await fixture.run { http, clients in
            try await Self.seedLive(http)
            let service = try await clients.serving.getOnlineFeatures(
                onlineRequest(service: "driver_activity", entities: ["driver_id": [.int64(1001)]]))
            #expect(service.metadata.featureNames.val.first == "driver_id")
            #expect(service.metadata.featureNames.val.contains("conv_rate"))
            #expect(service.metadata.featureNames.val.contains("trips_1h"))
            let full = try await clients.serving.getOnlineFeatures(
                onlineRequest(
                    features: ["driver_live:rating"], entities: ["driver_id": [.int64(1001)]], fullFeatureNames: true))
            #expect(full.metadata.featureNames.val == ["driver_id", "driver_live__rating"])
        }
    }

    @Test func servingInfoNamesTheServer() async throws {
        let fixture = try await GRPCFixture.make()
        try await fixture.run { _, clients in
            let info = try await clients.serving.getFeastServingInfo(Feast_Serving_GetFeastServingInfoRequest())
            #expect(info.version == "fs test")
        }
    }

    @Test func anEmptyEntityListAnswersNoRows() async throws {
        let fixture = try await GRPCFixture.make()
        try await fixture.run { _, clients in
            let answer = try await clients.serving.getOnlineFeatures(
                onlineRequest(features: ["driver_live:rating"], entities: ["driver_id": []]))
            #expect(answer.metadata.featureNames.val == ["driver_id", "rating"])
            #expect(answer.results.map(\.values.count) == [0, 0])
        }
    }
}
