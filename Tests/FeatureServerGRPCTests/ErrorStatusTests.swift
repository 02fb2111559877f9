import FeastProtos
import FeatureServer
import FeatureServerGRPC
import FeatureStoreKit
import Foundation
import GRPCCore
import HummingbirdTesting
import SwiftProtobuf
import Testing

@Suite struct ErrorStatusTests {
    /// One mistake sent both ways: the JSON body for HTTP and the protobuf request for gRPC.
    struct Mistake: Sendable, CustomTestStringConvertible {
        var json: String
        var features: [String]?
        var service: String?
        var entities: [String: [Feast_Types_Value]]
        var code: RPCError.Code
        var httpStatus: Int
        var testDescription: String { json }
    }

    /// Mistakes found on the shared lookup path: the same status family and the same message.
    static let mistakes: [Mistake] = [
        Mistake(
            json: #"{"features": ["nope:rating"], "entities": {"driver_id": [1]}}"#, features: ["nope:rating"],
            entities: ["driver_id": [.int64(1)]], code: .notFound, httpStatus: 404),
        Mistake(
            json: #"{"features": ["driver_live:ratin"], "entities": {"driver_id": [1]}}"#,
            features: ["driver_live:ratin"], entities: ["driver_id": [.int64(1)]], code: .notFound, httpStatus: 404),
        Mistake(
            json: #"{"feature_service": "nobody", "entities": {"driver_id": [1]}}"#, service: "nobody",
            entities: ["driver_id": [.int64(1)]], code: .notFound, httpStatus: 404),
        Mistake(
            json: #"{"features": ["driver_live"], "entities": {"driver_id": [1]}}"#, features: ["driver_live"],
            entities: ["driver_id": [.int64(1)]], code: .invalidArgument, httpStatus: 400),
        Mistake(
            json: #"{"features": ["driver_live:rating", "driver_live:rating"], "entities": {"driver_id": [1]}}"#,
            features: ["driver_live:rating", "driver_live:rating"], entities: ["driver_id": [.int64(1)]],
            code: .invalidArgument, httpStatus: 400),
        Mistake(
            json: #"{"features": [], "entities": {"driver_id": [1]}}"#, features: [],
            entities: ["driver_id": [.int64(1)]], code: .invalidArgument, httpStatus: 400),
        Mistake(
            json: #"{"features": ["driver_live:rating"], "entities": {"driver": [1]}}"#,
            features: ["driver_live:rating"], entities: ["driver": [.int64(1)]], code: .invalidArgument,
            httpStatus: 400),
        Mistake(
            json: #"{"features": ["driver_live:rating"], "entities": {}}"#, features: ["driver_live:rating"],
            entities: [:], code: .invalidArgument, httpStatus: 400),
        Mistake(
            json: #"{"features": ["pair_stats:rides"], "entities": {"driver_id": [1, 2], "rider_id": [7]}}"#,
            features: ["pair_stats:rides"], entities: ["driver_id": [.int64(1), .int64(2)], "rider_id": [.int64(7)]],
            code: .invalidArgument, httpStatus: 400),
        Mistake(
            json: #"{"features": ["pair_stats:rides"], "entities": {"driver_id": [1]}}"#,
            features: ["pair_stats:rides"], entities: ["driver_id": [.int64(1)]], code: .invalidArgument,
            httpStatus: 400),
        Mistake(
            json: #"{"features": ["driver_live:rating"], "entities": {"driver_id": [1, 2, 3, 4, 5, 6]}}"#,
            features: ["driver_live:rating"], entities: ["driver_id": (1...6).map { .int64($0) }],
            code: .resourceExhausted, httpStatus: 400),
    ]

    @Test(arguments: mistakes)
    func sharedPathMistakesGetTheirStatusAndHTTPsMessage(_ mistake: Mistake) async throws {
        let fixture = try await GRPCFixture.make { $0.maxEntities = 5 }
        try await fixture.run { http, clients in
            let answer = try await http.post("/get-online-features", mistake.json)
            #expect(answer.status == mistake.httpStatus, "\(answer.json)")
            let httpMessage = (answer.json["error"] as? [String: Any])?["message"] as? String
            let error = await rpcError {
                _ = try await clients.serving.getOnlineFeatures(
                    onlineRequest(features: mistake.features, service: mistake.service, entities: mistake.entities))
            }
            #expect(error?.code == mistake.code)
            #expect(error?.message == httpMessage)
            #expect(httpMessage?.isEmpty == false)
        }
    }

    /// Mistakes only protobuf can make: each names what was sent and what to send.
    @Test(arguments: [
        (
            onlineRequest(features: ["driver_live:rating"], entities: ["driver_id": [.string("1001")]]),
            "entities['driver_id'].val[0] is string_val '1001', not an int64"
        ),
        (
            onlineRequest(features: ["driver_live:rating"], entities: ["driver_id": [.int64(1), Feast_Types_Value()]]),
            "entities['driver_id'].val[1] is an empty Value, not an int64"
        ),
        (
            onlineRequest(features: ["driver_live:rating"], entities: ["driver_id": [.with { $0.doubleVal = 1 }]]),
            "send int64_val"
        ),
        (onlineRequest(features: ["zone_stats:demand"], entities: ["zone_code": [.int64(1)]]), "send string_val"),
        (onlineRequest(entities: ["driver_id": [.int64(1)]]), "set features"),
        (
            {
                var request = onlineRequest(features: ["driver_live:rating"], entities: ["driver_id": [.int64(1)]])
                request.requestContext["val"] = .with { $0.val = [.int64(1)] }
                return request
            }(), "request_context ('val')"
        ),
    ])
    func protobufMistakesAreInvalidArguments(request: Feast_Serving_GetOnlineFeaturesRequest, mentions: String)
        async throws
    {
        let fixture = try await GRPCFixture.make()
        try await fixture.run { _, clients in
            let error = await rpcError { _ = try await clients.serving.getOnlineFeatures(request) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains(mentions) == true, "\(error?.message ?? "")")
        }
    }

    /// A message over `--max-body` bytes: RESOURCE_EXHAUSTED with HTTP's 413 message.
    @Test func aRequestOverMaxBodyIsResourceExhausted() async throws {
        let fixture = try await GRPCFixture.make { $0.maxBodyBytes = 256 }
        try await fixture.run { http, clients in
            let ids = (0..<40).map { Feast_Types_Value.int64(Int64($0) * 1_000_000_007) }
            let request = onlineRequest(features: ["driver_live:rating"], entities: ["driver_id": ids])
            let size = try request.serializedBytes() as [UInt8]
            #expect(size.count > 256 && size.count <= 512)
            let error = await rpcError { _ = try await clients.serving.getOnlineFeatures(request) }
            #expect(error?.code == .resourceExhausted, "\(String(describing: error))")
            #expect(
                error?.message
                    == "the request body has more than 256 bytes (\(size.count) seen), the server's limit (--max-body); split the request"
            )
            let answer = try await http.post("/get-online-features", String(repeating: " ", count: 300))
            #expect(answer.status == 413)
            // The connection stays usable.
            let fine = try await clients.serving.getOnlineFeatures(
                onlineRequest(features: ["driver_live:rating"], entities: ["driver_id": [.int64(1)]]))
            #expect(fine.results.count == 2)
        }
    }

    /// Every store error code maps to its gRPC status with the message HTTP gives.
    @Test(arguments: [
        (FeatureStoreError.invalidArgument("bad"), RPCError.Code.invalidArgument),
        (FeatureStoreError.invalidInput("bad"), .invalidArgument),
        (FeatureStoreError(.invalidDefinitions, "bad"), .invalidArgument),
        (FeatureStoreError.notFound("gone"), .notFound),
        (FeatureStoreError(.conflict, "busy"), .failedPrecondition),
        (FeatureStoreError(.breakingChange, "breaks"), .failedPrecondition),
        (FeatureStoreError(.locked, "held"), .unavailable),
        (FeatureStoreError.storage("rocksdb: IO error"), .unavailable),
        (FeatureStoreError.io("disk"), .unavailable),
    ])
    func storeErrorsMapToStatusCodes(error: FeatureStoreError, code: RPCError.Code) {
        let mapped = RPCError(mapping: error, requestID: "r-1")
        #expect(mapped.code == code)
        #expect(mapped.message == APIError(error).publicMessage(requestID: "r-1"))
    }

    /// A failure of the server names only the request id, as HTTP's 500 does: no paths, no SQL.
    @Test func serverFailuresNameOnlyTheRequestID() {
        let mapped = RPCError(mapping: FeatureStoreError.storage("rocksdb: IO error: /secret/path"), requestID: "r-9")
        #expect(mapped.code == .unavailable)
        #expect(!mapped.message.contains("/secret/path"))
        #expect(mapped.message.contains("request id r-9"))
        struct Strange: Error {}
        let strange = RPCError(mapping: Strange(), requestID: "r-10")
        #expect(strange.code == .internalError)
        #expect(strange.message.contains("request id r-10") && !strange.message.contains("Strange"))
    }

    @Test func otherErrorsAreInternalAndRPCErrorsPassThrough() {
        struct Strange: Error {}
        #expect(RPCError(mapping: Strange(), requestID: "r").code == .internalError)
        #expect(RPCError(mapping: CancellationError(), requestID: "r").code == .cancelled)
        let passed = RPCError(code: .permissionDenied, message: "no")
        #expect(RPCError(mapping: passed, requestID: "r") == passed)
    }
}
