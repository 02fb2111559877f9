import FeastProtos
import FeatureServer
import FeatureServerGRPC
import FeatureStoreKit
import Foundation
import GRPCCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SwiftProtobuf
import Testing

/// gRPC takes the bearer tokens of `auth:` in feature_store.yaml as HTTP does, from the
/// `authorization` metadata: `read` for ServingService, nothing for health; refusals carry HTTP's
/// messages; every answer carries a request id.
@Suite struct AuthAndRequestIDTests {
    static let settings = """
        auth:
          type: token
          tokens:
            - name: trainer
              token_env: FS_TOKEN_TRAINER
              roles: [read]
            - name: feeder
              token_env: FS_TOKEN_FEEDER
              roles: [write]
        """
    static let trainer = "trainer-secret-0123456789"
    static let feeder = "feeder-secret-0123456789"

    static func make() async throws -> GRPCFixture {
        try await GRPCFixture.make(settings: settings) {
            $0.environment = ["FS_TOKEN_TRAINER": trainer, "FS_TOKEN_FEEDER": feeder]
        }
    }

    static let lookup = onlineRequest(features: ["driver_live:rating"], entities: ["driver_id": [.int64(1)]])
    static let method = "feast.serving.ServingService/GetOnlineFeatures"

    @Test func aReadTokenLooksUpAndIsCountedByName() async throws {
        let fixture = try await Self.make()
        try await fixture.run { http, clients in
            let answer = try await clients.serving.getOnlineFeatures(
                Self.lookup, metadata: ["authorization": "Bearer \(Self.trainer)"])
            #expect(answer.metadata.featureNames.val == ["driver_id", "rating"])
            // The scheme in any case, as over HTTP.
            _ = try await clients.serving.getFeastServingInfo(
                .init(), metadata: ["authorization": "bearer \(Self.trainer)"])
            let metrics = try await http.execute(
                uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(Self.trainer)"]
            ) { String(buffer: $0.body) }
            #expect(
                metrics.contains(#"fs_grpc_requests_total{method="\#(Self.method)",code="OK",token="trainer"} 1"#),
                "\(metrics)")
        }
    }

    @Test func refusalsAreUnauthenticatedOrPermissionDeniedWithHTTPsMessages() async throws {
        let fixture = try await Self.make()
        try await fixture.run { http, clients in
            let cases: [(Metadata, RPCError.Code, String)] = [
                (
                    [:], .unauthenticated,
                    "\(Self.method) needs a token with the read role; send it as metadata authorization: Bearer TOKEN"
                ),
                (
                    ["authorization": "Basic abc"], .unauthenticated,
                    "the authorization metadata is not a bearer token; send authorization: Bearer TOKEN"
                ),
                (
                    ["authorization": "Bearer wrong-secret-0123456789"], .unauthenticated,
                    "the bearer token is not one of this server's tokens (auth in feature_store.yaml)"
                ),
                (
                    ["authorization": "Bearer \(Self.feeder)"], .permissionDenied,
                    "token 'feeder' may not call \(Self.method): it needs the read role, and the token has write"
                ),
            ]
            for (metadata, code, message) in cases {
                let error = await rpcError {
                    _ = try await clients.serving.getOnlineFeatures(Self.lookup, metadata: metadata)
                }
                #expect(error?.code == code, "\(metadata)")
                #expect(error?.message == message, "\(metadata)")
            }
            // The same refusal over HTTP has the same message but for how to send the token.
            let answer = try await http.post(
                "/get-online-features", #"{"features": ["driver_live:rating"], "entities": {"driver_id": [1]}}"#)
            #expect(answer.status == 401)
            #expect(
                (answer.json["error"] as? [String: Any])?["message"] as? String
                    == "POST /get-online-features needs a token with the read role; send it as Authorization: Bearer TOKEN"
            )
            // Health needs no token (probes carry none).
            #expect(try await clients.health.check(.with { $0.service = "" }).status == .serving)
            let metrics = try await http.execute(
                uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(Self.trainer)"]
            ) { String(buffer: $0.body) }
            #expect(
                metrics.contains(
                    #"fs_grpc_requests_total{method="\#(Self.method)",code="UNAUTHENTICATED",token="anonymous"} 3"#),
                "\(metrics)")
            #expect(
                metrics.contains(
                    #"fs_grpc_requests_total{method="\#(Self.method)",code="PERMISSION_DENIED",token="feeder"} 1"#))
        }
    }

    /// The caller's `x-request-id` comes back on answers and errors; without one, the server makes one.
    @Test func everyAnswerCarriesARequestID() async throws {
        let fixture = try await GRPCFixture.make()
        try await fixture.run { _, clients in
            let echoed = try await clients.serving.getOnlineFeatures(
                Self.lookup, metadata: ["x-request-id": "trace-42"]
            ) { response in response.metadata[stringValues: "x-request-id"].map { $0 } }
            #expect(echoed == ["trace-42"])
            let made = try await clients.serving.getOnlineFeatures(Self.lookup) { response in
                response.metadata[stringValues: "x-request-id"].map { $0 }
            }
            #expect(made.count == 1 && made.first?.isEmpty == false && made != ["trace-42"])
            let error = await rpcError {
                _ = try await clients.serving.getOnlineFeatures(
                    onlineRequest(features: ["nope:x"], entities: ["driver_id": [.int64(1)]]),
                    metadata: ["x-request-id": "trace-43"])
            }
            #expect(error?.metadata[stringValues: "x-request-id"].map { $0 } == ["trace-43"])
            // An unusable id (spaces) is replaced.
            let replaced = try await clients.serving.getOnlineFeatures(
                Self.lookup, metadata: ["x-request-id": "has spaces"]
            ) { response in response.metadata[stringValues: "x-request-id"].map { $0 } }
            #expect(replaced.count == 1 && replaced != ["has spaces"])
        }
    }
}
