import FeastProtos
import FeatureServer
import FeatureServerGRPC
import FeatureStoreKit
import Foundation
import GRPCCore
import HummingbirdTesting
import SwiftProtobuf
import Testing

@Suite struct GRPCMetricsTests {
    /// gRPC calls are counted and timed per method and status code in the server's own registry,
    /// and lookups count served values per view exactly as HTTP's do.
    @Test func callsAreCountedPerMethodAndCodeBesideHTTP() async throws {
        let fixture = try await GRPCFixture.make()
        try await fixture.run { http, clients in
            _ = try await clients.serving.getOnlineFeatures(
                onlineRequest(
                    features: ["driver_live:rating", "driver_live:city"],
                    entities: ["driver_id": [.int64(1), .int64(2)]]))
            _ = await rpcError {
                _ = try await clients.serving.getOnlineFeatures(
                    onlineRequest(features: ["nope:x"], entities: ["driver_id": [.int64(1)]]))
            }
            _ = try await clients.health.check(.with { $0.service = "" })
            _ = try await http.post(
                "/get-online-features", #"{"features": ["driver_live:rating"], "entities": {"driver_id": [3]}}"#)
            let text = try await http.getText("/metrics")
            let lines = Set(text.split(separator: "\n").map(String.init))
            let method = "feast.serving.ServingService/GetOnlineFeatures"
            #expect(
                lines.contains(#"fs_grpc_requests_total{method="\#(method)",code="OK",token="anonymous"} 1"#), "\(text)"
            )
            #expect(
                lines.contains(#"fs_grpc_requests_total{method="\#(method)",code="NOT_FOUND",token="anonymous"} 1"#))
            #expect(
                lines.contains(
                    #"fs_grpc_requests_total{method="grpc.health.v1.Health/Check",code="OK",token="anonymous"} 1"#))
            #expect(
                lines.contains(#"fs_grpc_request_duration_seconds_bucket{method="\#(method)",code="OK",le="+Inf"} 1"#))
            // Served values: 2 entities over gRPC plus 1 over HTTP, through the same lookup.
            #expect(lines.contains(#"fs_online_entities_served_total{view="driver_live"} 3"#))
            #expect(lines.contains(#"fs_online_features_served_total{view="driver_live"} 5"#))
            #expect(
                lines.contains(
                    #"fs_http_requests_total{endpoint="/get-online-features",status="200",token="anonymous"} 1"#))
        }
    }
}
