import Foundation
import PostgresTestSupport
import ProcessSupport
import Testing

/// The real `fs` binary with `registry: {type: postgres}`: two repo checkouts (two machines) share
/// one registry; what one applies the other's commands and running server see (the server within
/// about a second); a missing password or a database that is down is a clear error naming it (503
/// from the server), and `fs teardown` leaves the shared registry alone.
@Suite struct PostgresRegistryEndToEndTests {
    static let definitions = """
        entities:
          - name: driver
            join_keys: [{name: driver_id, value_type: int64}]
        sources:
          - name: driver_stats_source
            kind: csv
            path: data/driver_stats.csv
            timestamp_field: event_timestamp
            schema: {driver_id: int64, event_timestamp: timestamp, conv_rate: float64, trips: int64}
        feature_views:
          - name: driver_stats
            entities: [driver]
            source: driver_stats_source
            features: [{name: conv_rate, type: float64}]

        """

    /// A checkout of the repo with its own local stores and the shared PostgreSQL registry.
    static func checkout(_ label: String, server: PostgresServerProcess) throws -> String {
        let repo = (FSRunner.temporaryDirectory("fs-e2e-pg-\(label)") as NSString).appendingPathComponent("repo")
        try FileManager.default.createDirectory(atPath: repo + "/data", withIntermediateDirectories: true)
        try """
        project: rides
        registry:
          type: postgres
          dsn: "\(server.dsn)"
          schema: fs_shared
          password_env: \(PostgresServerProcess.passwordEnv)
        online_store: {type: rocksdb, path: .fs/online}

        """.write(toFile: repo + "/feature_store.yaml", atomically: true, encoding: .utf8)
        try definitions.write(toFile: repo + "/definitions.yaml", atomically: true, encoding: .utf8)
        try """
        driver_id,event_timestamp,conv_rate,trips
        1001,2026-11-01T10:00:00Z,0.25,3
        1002,2026-11-01T10:00:00Z,0.75,9

        """.write(toFile: repo + "/data/driver_stats.csv", atomically: true, encoding: .utf8)
        return repo
    }

    static func registryVersion(_ base: String) async throws -> Int? {
        let health = try await ServerEndToEndTests.request(base + "/health")
        let json = try? JSONSerialization.jsonObject(with: Data(health.text.utf8)) as? [String: Any]
        return json?["registry_version"] as? Int
    }

    @Test func twoCheckoutsShareOneRegistryAndTheServerFollowsIt() async throws {
        try await withPostgresServer { server in
            let environment = server.environment
            let first = try Self.checkout("a", server: server)
            let second = try Self.checkout("b", server: server)
            let apply = try await FSRunner.run(["apply", "--repo", first], environment: environment)
            #expect(apply.status == 0, "\(apply.stderr)")
            #expect(!FileManager.default.fileExists(atPath: first + "/.fs/registry.db"))

            // The other checkout sees what the first applied, without applying itself.
            let views = try await FSRunner.run(["list", "feature-views", "--repo", second], environment: environment)
            #expect(views.status == 0, "\(views.stderr)")
            // Its `fs apply` (the same definitions) changes nothing in the shared registry and
            // prepares the checkout's local offline store.
            let version = try await FSRunner.run(["apply", "--repo", second], environment: environment)
            #expect(version.stdout.contains("No changes"), "\(version.stdout)")
            #expect(views.stdout.contains("driver_stats"), "\(views.stdout)")

            // A server on the second checkout, fed from its local stores.
            for command in [
                ["ingest", "driver_stats_source", second + "/data/driver_stats.csv", "--repo", second],
                ["materialize-incremental", "now", "--repo", second],
            ] {
                let run = try await FSRunner.run(command, environment: environment)
                #expect(run.status == 0, "\(command): \(run.stderr)")
            }
            let serving = try FSRunner.start(
                ["serve", "--repo", second, "--port", "0", "--grpc-port", "0", "--no-scheduler"],
                environment: environment)
            defer { if serving.process.isRunning { serving.process.terminate() } }
            let base = try await ServerEndToEndTests.waitForListening(serving)
            let before = try #require(try await Self.registryVersion(base))

            // The first checkout adds a feature; the server on the second sees the new version and
            // serves the new feature after a materialization, within about a second of polling.
            try Self.definitions.replacingOccurrences(
                of: "features: [{name: conv_rate, type: float64}]",
                with: "features: [{name: conv_rate, type: float64}, {name: trips, type: int64}]"
            ).write(toFile: first + "/definitions.yaml", atomically: true, encoding: .utf8)
            let change = try await FSRunner.run(["apply", "--repo", first], environment: environment)
            #expect(change.status == 0, "\(change.stderr)")
            let followed = try await eventually(timeout: .seconds(10)) {
                (try await Self.registryVersion(base) ?? 0) > before
            }
            #expect(followed, "the server did not see the new registry version")

            // No password: a clear error naming the variable, never the password.
            let noPassword = try await FSRunner.run(
                ["list", "feature-views", "--repo", second], environment: [PostgresServerProcess.passwordEnv: ""])
            #expect(noPassword.status != 0)
            #expect(!noPassword.stderr.contains(server.password), "\(noPassword.stderr)")

            // The database goes away: commands fail naming it; the server's /health answers 503.
            server.shutDown()
            let down = try await FSRunner.run(["list", "feature-views", "--repo", first], environment: environment)
            #expect(down.status != 0)
            #expect(down.stderr.contains("cannot connect to PostgreSQL at"), "\(down.stderr)")
            #expect(down.stderr.contains("127.0.0.1:\(server.port)"), "\(down.stderr)")
            let unhealthy = try await eventually(timeout: .seconds(10)) {
                try await ServerEndToEndTests.request(base + "/health").status == 503
            }
            #expect(unhealthy, "/health did not answer 503 with the registry down")
            try await server.start()
            let healthy = try await eventually(timeout: .seconds(15)) {
                try await ServerEndToEndTests.request(base + "/health").status == 200
            }
            #expect(healthy, "/health did not recover with the registry back")
            await serving.stop(SIGTERM)
            #expect(serving.process.terminationStatus == 0)

            // Teardown deletes the local stores and leaves the shared registry, saying so.
            let teardown = try await FSRunner.run(["teardown", "--yes", "--repo", first], environment: environment)
            #expect(teardown.status == 0, "\(teardown.stderr)")
            #expect((teardown.stdout + teardown.stderr).contains("schema fs_shared"), "\(teardown.stdout)")
            let still = try await FSRunner.run(["list", "feature-views", "--repo", second], environment: environment)
            #expect(still.stdout.contains("driver_stats"), "\(still.stdout) \(still.stderr)")
        }
    }
}
