import FeatureServer
import FeatureStoreKit
import Foundation
import HummingbirdTesting
import Testing

@Suite struct ServicesTests {
    /// After `fs apply` (here through the library, while the server holds the online store), one
    /// watcher poll serves the new definitions.
    @Test func registryReloadServesNewViewsWithoutRestart() async throws {
        let fixture = try await ServerFixture.make()
        let lookup = #"{"features": ["driver_extra:rating"], "entities": {"driver_id": [1]}}"#
        try await fixture.test { client in
            let answer = try await client.post("/get-online-features", lookup)
            #expect(answer.status == 404)
        }
        let extra = """
            feature_views:
              - name: driver_extra
                entities: [driver]
                source: driver_events
                features:
                  - name: rating
                    type: float64

            """
        try extra.write(toFile: fixture.repo + "/extra.yaml", atomically: true, encoding: .utf8)
        _ = try FeatureStore(repo: fixture.repo).apply()
        let watcher = RegistryWatcher(server: fixture.server)
        #expect(await watcher.tick())
        #expect(await watcher.tick() == false)
        #expect(fixture.server.state.current.version == 2)
        try await fixture.test { client in
            let answer = try await client.post("/get-online-features", lookup)
            #expect(answer.status == 200)
            #expect(answer.column(named: "rating").statuses == ["NOT_FOUND"])
            let health = try await client.get("/health")
            #expect(health.json["registry_version"] as? Int == 2)
        }
    }

    /// Scheduled views are materialized when due, and not again until their interval passes.
    @Test func schedulerMaterializesDueViewsOnce() async throws {
        let fixture = try await ServerFixture.make(withStats: true)
        let scheduler = Scheduler(server: fixture.server)
        #expect(try await scheduler.dueViews().contains("driver_hourly_stats"))
        let report = await scheduler.tick()
        #expect(report?.views.first { $0.view == "driver_hourly_stats" }?.written == 2)
        #expect(try await !scheduler.dueViews().contains("driver_hourly_stats"))
        #expect(await scheduler.tick()?.views.contains { $0.view == "driver_hourly_stats" } != true)
        try await fixture.test { client in
            let answer = try await client.post(
                "/get-online-features",
                #"{"features": ["driver_hourly_stats:conv_rate"], "entities": {"driver_id": [1001]}}"#)
            #expect(answer.column(named: "conv_rate").values.first as? Double == 0.6)
            let (_, metrics) = try await client.getText("/metrics")
            #expect(
                metrics.contains(#"fs_scheduler_last_success_timestamp_seconds{view="driver_hourly_stats"} 1795132800"#)
            )
            #expect(metrics.contains(#"fs_materialization_lag_seconds{view="driver_hourly_stats"} 0"#))
        }
    }
}
