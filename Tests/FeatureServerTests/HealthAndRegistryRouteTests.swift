import FeatureStoreKit
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import FeatureServer

@Suite struct HealthAndRegistryRouteTests {
    @Test func healthAnswersWithTheRegistryVersion() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            let answer = try await client.get("/health")
            #expect(answer.status == 200)
            #expect(answer.json["status"] as? String == "ok")
            #expect(answer.json["registry_version"] as? Int == 1)
        }
    }

    @Test func featureViewsAndServicesListTheRegistry() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            let views = try await client.get("/feature-views")
            let names = (views.json["feature_views"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(names == ["driver_hourly_stats", "driver_live", "driver_trip_stats", "pair_stats"])
            let services = try await client.get("/feature-services")
            #expect(
                (services.json["feature_services"] as? [[String: Any]])?.first?["name"] as? String == "driver_activity")
        }
    }

    @Test func metricsLabelRoutesWithParametersByTheirPattern() {
        #expect(RequestMiddleware<BasicRequestContext>.endpoint(of: "/push") == "/push")
        #expect(RequestMiddleware<BasicRequestContext>.endpoint(of: "/drift") == "/drift")
        #expect(
            RequestMiddleware<BasicRequestContext>.endpoint(of: "/stats/driver_live/rating")
                == "/stats/{view}/{feature}")
        #expect(RequestMiddleware<BasicRequestContext>.endpoint(of: "/stats/driver_live") == "other")
        #expect(RequestMiddleware<BasicRequestContext>.endpoint(of: "/stats//rating") == "other")
        #expect(RequestMiddleware<BasicRequestContext>.endpoint(of: "/ui") == "/ui")
        #expect(RequestMiddleware<BasicRequestContext>.endpoint(of: "/ui/feature-views/x") == "/ui")
        #expect(RequestMiddleware<BasicRequestContext>.endpoint(of: "/uix") == "other")
        #expect(RequestMiddleware<BasicRequestContext>.endpoint(of: "/anything/else") == "other")
    }

    @Test func metricsCountRequestsErrorsAndServedFeatures() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            _ = try await client.post(
                "/push",
                #"{"push_source_name": "driver_events", "df": {"driver_id": [1], "event_timestamp": ["2026-11-19T23:50:00Z"], "rating": [1], "city": ["x"]}}"#
            )
            _ = try await client.post(
                "/get-online-features",
                #"{"features": ["driver_live:rating", "driver_live:city"], "entities": {"driver_id": [1, 2]}}"#)
            _ = try await client.post(
                "/get-online-features", #"{"features": ["nope:x"], "entities": {"driver_id": [1]}}"#)
            let (status, text) = try await client.getText("/metrics")
            #expect(status == 200)
            let lines = Set(text.split(separator: "\n").map(String.init))
            #expect(
                lines.contains(
                    #"fs_http_requests_total{endpoint="/get-online-features",status="200",token="anonymous"} 1"#))
            #expect(
                lines.contains(
                    #"fs_http_requests_total{endpoint="/get-online-features",status="404",token="anonymous"} 1"#))
            #expect(
                lines.contains(
                    #"fs_http_errors_total{endpoint="/get-online-features",code="not_found",token="anonymous"} 1"#))
            #expect(lines.contains(#"fs_online_entities_served_total{view="driver_live"} 2"#))
            #expect(lines.contains(#"fs_online_features_served_total{view="driver_live"} 4"#))
            #expect(lines.contains(#"fs_push_rows_total{source="driver_events",to="online"} 1"#))
            #expect(
                text.contains(#"fs_http_request_duration_seconds_bucket{endpoint="/push",status="200",le="+Inf"} 1"#))
        }
    }
}
