import Foundation
import ProcessSupport
import RedisTestSupport
import Testing

/// The real `fs` binary with `online_store: {type: redis}`: `fs materialize` writes to Redis,
/// two `fs serve` replicas answer from it at once, a push to one is read from the other, a cron
/// materialization runs beside them, and a Redis that goes away gives lookups a 503 naming it,
/// then the replicas recover by themselves.
@Suite struct RedisServingEndToEndTests {
    static func repo(redisPort: Int) throws -> String {
        let repo = (FSRunner.temporaryDirectory("fs-e2e-redis") as NSString).appendingPathComponent("repo")
        try FileManager.default.createDirectory(atPath: repo + "/data", withIntermediateDirectories: true)
        try """
        project: rides
        registry: .fs/registry.db
        offline_store: {type: sqlite, path: .fs/offline.db}
        online_store:
          type: redis
          connection_string: "127.0.0.1:\(redisPort)"

        """.write(toFile: repo + "/feature_store.yaml", atomically: true, encoding: .utf8)
        try """
        entities:
          - name: driver
            join_keys: [{name: driver_id, value_type: int64}]
        sources:
          - name: driver_stats_source
            kind: csv
            path: data/driver_stats.csv
            timestamp_field: event_timestamp
            schema: {driver_id: int64, event_timestamp: timestamp, conv_rate: float64, trips: int64}
          - name: driver_events
            kind: push
            timestamp_field: event_timestamp
            schema: {driver_id: int64, event_timestamp: timestamp, rating: float64}
        feature_views:
          - name: driver_stats
            entities: [driver]
            source: driver_stats_source
            features: [{name: conv_rate, type: float64}, {name: trips, type: int64}]
          - name: driver_live
            entities: [driver]
            source: driver_events
            features: [{name: rating, type: float64}]

        """.write(toFile: repo + "/definitions.yaml", atomically: true, encoding: .utf8)
        try """
        driver_id,event_timestamp,conv_rate,trips
        1001,2026-11-01T10:00:00Z,0.25,3
        1001,2026-11-02T10:00:00Z,0.5,4
        1002,2026-11-01T10:00:00Z,0.75,9

        """.write(toFile: repo + "/data/driver_stats.csv", atomically: true, encoding: .utf8)
        return repo
    }

    static func lookup(_ base: String, _ features: String, _ ids: String) async throws -> (
        status: Int, text: String, json: [[String: Any]]
    ) {
        let response = try await ServerEndToEndTests.request(
            base + "/get-online-features", body: #"{"features": [\#(features)], "entities": {"driver_id": [\#(ids)]}}"#)
        let json = try? JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Any]
        return (response.status, response.text, json?["results"] as? [[String: Any]] ?? [])
    }

    @Test func replicasServeOneRedisStoreAndRecoverWhenItReturns() async throws {
        try await withRedisServer { redis in
            let repo = try Self.repo(redisPort: redis.port)
            let apply = try await FSRunner.run(["apply", "--repo", repo])
            #expect(apply.status == 0, "\(apply.stderr)")
            let ingest = try await FSRunner.run([
                "ingest", "driver_stats_source", repo + "/data/driver_stats.csv", "--repo", repo,
            ])
            #expect(ingest.status == 0, "\(ingest.stderr)")
            let materialize = try await FSRunner.run(["materialize-incremental", "now", "--repo", repo])
            #expect(materialize.status == 0, "\(materialize.stderr)")
            #expect(
                materialize.stdout.contains("driver_stats: 3 rows scanned, 2 entities, 2 written"),
                "\(materialize.stdout)")
            // Nothing of RocksDB: the online store is Redis.
            #expect(!FileManager.default.fileExists(atPath: repo + "/.fs/online/CURRENT"))

            let arguments = ["serve", "--repo", repo, "--port", "0", "--grpc-port", "0", "--no-scheduler"]
            let first = try FSRunner.start(arguments)
            defer { if first.process.isRunning { first.process.terminate() } }
            let second = try FSRunner.start(arguments)
            defer { if second.process.isRunning { second.process.terminate() } }
            let bases = [
                try await ServerEndToEndTests.waitForListening(first),
                try await ServerEndToEndTests.waitForListening(second),
            ]
            for base in bases {
                let read = try await Self.lookup(
                    base, #""driver_stats:conv_rate", "driver_stats:trips""#, "1001, 1002, 1003")
                #expect(read.status == 200, "\(read.text)")
                #expect(read.json.count == 3)
                #expect((read.json[safe: 1]?["values"] as? [Any])?.compactMap { $0 as? Double } == [0.5, 0.75])
                #expect(
                    (read.json[safe: 1]?["statuses"] as? [String]) == ["PRESENT", "PRESENT", "NOT_FOUND"],
                    "\(read.text)")
                #expect((read.json[safe: 2]?["values"] as? [Any])?.compactMap { $0 as? Int } == [4, 9])
                let health = try await ServerEndToEndTests.request(base + "/health")
                #expect(health.status == 200, "\(health.text)")
            }

            // A push to one replica is served by the other at once.
            let push = try await ServerEndToEndTests.request(
                bases[0] + "/push",
                body:
                    #"{"push_source_name": "driver_events", "df": {"driver_id": [1001], "event_timestamp": ["2026-11-19T10:00:00Z"], "rating": [4.25]}}"#
            )
            #expect(push.status == 200, "\(push.text)")
            let pushed = try await Self.lookup(bases[1], #""driver_live:rating""#, "1001")
            #expect((pushed.json[safe: 1]?["values"] as? [Any])?.first as? Double == 4.25, "\(pushed.text)")

            // A cron materialization writes to Redis itself while the replicas serve (no hand-over).
            try """
            driver_id,event_timestamp,conv_rate,trips
            1002,2026-11-03T10:00:00Z,0.125,10

            """.write(toFile: repo + "/data/more.csv", atomically: true, encoding: .utf8)
            #expect(
                try await FSRunner.run(["ingest", "driver_stats_source", repo + "/data/more.csv", "--repo", repo])
                    .status == 0)
            let cron = try await FSRunner.run(["materialize-incremental", "now", "--repo", repo])
            #expect(cron.status == 0, "\(cron.stderr)")
            #expect(!cron.stderr.contains("runs there"), "\(cron.stderr)")
            for base in bases {
                let read = try await Self.lookup(base, #""driver_stats:conv_rate""#, "1002")
                #expect((read.json[safe: 1]?["values"] as? [Any])?.first as? Double == 0.125, "\(read.text)")
            }

            // Redis goes away: lookups and /health answer 503 naming it, never a wrong value.
            redis.kill()
            let down = try await Self.lookup(bases[0], #""driver_stats:conv_rate""#, "1001")
            #expect(down.status == 503, "\(down.text)")
            #expect(down.text.contains("127.0.0.1:\(redis.port)"), "\(down.text)")
            // Back (empty: it kept nothing on disk): the replicas answer again by themselves.
            try await redis.start()
            let recovered = try await eventually(timeout: .seconds(30)) {
                try await Self.lookup(bases[1], #""driver_stats:conv_rate""#, "1001").status == 200
            }
            #expect(recovered)
            let after = try await Self.lookup(bases[1], #""driver_stats:conv_rate""#, "1001")
            #expect((after.json[safe: 1]?["statuses"] as? [String]) == ["NOT_FOUND"], "\(after.text)")

            for server in [first, second] {
                await server.stop(SIGTERM)
                #expect(server.process.terminationStatus == 0)
            }
        }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
