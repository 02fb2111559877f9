import Foundation
import ProcessSupport
import RedisTestSupport
import Testing

/// Windowed aggregates with `online_store: {type: redis}` through the real `fs` binary: `fs apply`
/// accepts online aggregate views, `fs materialize` fills their state in Redis from the offline
/// history, two `fs serve` replicas answer lookups from it, a push to one is counted by the other
/// at once, and `fs verify-consistency` finds the online values equal to the training set's.
@Suite struct RedisAggregatesEndToEndTests {
    static func repo(redisPort: Int, trips: [(driver: Int64, minutesAgo: Double, fare: Double)]) throws -> String {
        let repo = (FSRunner.temporaryDirectory("fs-e2e-redis-agg") as NSString).appendingPathComponent("repo")
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
          - name: trips
            kind: csv
            path: data/trips.csv
            timestamp_field: event_timestamp
            schema: {driver_id: int64, event_timestamp: timestamp, fare: float64}
        feature_views:
          - name: trip_stats
            entities: [driver]
            source: trips
            lateness: 1h
            aggregations:
              - {column: fare, function: count, window: 1h, name: trips_1h}
              - {column: fare, function: sum, window: 1d, name: fare_1d}
              - {column: fare, function: max, window: 7d, name: fare_max_7d}

        """.write(toFile: repo + "/definitions.yaml", atomically: true, encoding: .utf8)
        try ServerAggregatesEndToEndTests.yaml.write(toFile: repo + "/swipes.yaml", atomically: true, encoding: .utf8)
        let now = Date()
        let rows = trips.map { trip in
            "\(trip.driver),\(ISO8601DateFormatter().string(from: now.addingTimeInterval(-trip.minutesAgo * 60))),\(trip.fare)"
        }
        try (["driver_id,event_timestamp,fare"] + rows + [""]).joined(separator: "\n").write(
            toFile: repo + "/data/trips.csv", atomically: true, encoding: .utf8)
        return repo
    }

    @Test func materializedAndPushedAggregatesAreServedFromRedisAndAgreeOffline() async throws {
        // Times stay minutes away from every window edge, so the seconds the test takes do not matter.
        let trips: [(driver: Int64, minutesAgo: Double, fare: Double)] = [
            (7, 5, 10), (7, 20, 2.5), (7, 90, 40), (7, 3 * 24 * 60, 99), (8, 30, 7), (8, 10 * 24 * 60, 500),
        ]
        try await withRedisServer { redis in
            let repo = try Self.repo(redisPort: redis.port, trips: trips)
            let apply = try await FSRunner.run(["apply", "--repo", repo])
            #expect(apply.status == 0, "\(apply.stderr)")
            let ingest = try await FSRunner.run(["ingest", "trips", repo + "/data/trips.csv", "--repo", repo])
            #expect(ingest.status == 0, "\(ingest.stderr)")
            let materialize = try await FSRunner.run(["materialize-incremental", "now", "--repo", repo])
            #expect(materialize.status == 0, "\(materialize.stderr)")
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
                let read = try await RedisServingEndToEndTests.lookup(
                    base, #""trip_stats:trips_1h", "trip_stats:fare_1d", "trip_stats:fare_max_7d""#, "7, 8, 9")
                #expect(read.status == 200, "\(read.text)")
                let counts = (read.json[safe: 1]?["values"] as? [Any])?.map { ($0 as? NSNumber)?.intValue }
                #expect(counts == [2, 1, 0], "\(read.text)")
                let sums = (read.json[safe: 2]?["values"] as? [Any])?.map { ($0 as? NSNumber)?.doubleValue }
                #expect(sums == [52.5, 7, 0], "\(read.text)")
                let maxima = read.json[safe: 3]?["values"] as? [Any]
                #expect((maxima?[0] as? NSNumber)?.doubleValue == 99, "\(read.text)")
                #expect((maxima?[1] as? NSNumber)?.doubleValue == 7, "\(read.text)")
                #expect(maxima?[2] is NSNull, "\(read.text)")
            }

            // Pushes to one replica are aggregated in Redis and served by the other.
            let swipes = [
                ServerAggregatesEndToEndTests.Swipe(driver: 7, minutesAgo: 3, amount: 12.5, merchant: "cafe"),
                .init(driver: 7, minutesAgo: 30, amount: 40, merchant: "fuel"),
                .init(driver: 8, minutesAgo: 90, amount: 100, merchant: "hotel"),
                .init(driver: 7, minutesAgo: 26 * 60, amount: 1000, merchant: "too-old"),
            ]
            try await ServerAggregatesEndToEndTests.push(swipes, to: bases[0])
            try await ServerAggregatesEndToEndTests.check(bases[1], swipes)
            let more = [
                ServerAggregatesEndToEndTests.Swipe(driver: 8, minutesAgo: 5, amount: 20, merchant: "cafe"),
                .init(driver: 7, minutesAgo: 2, amount: 9, merchant: "books"),
            ]
            try await ServerAggregatesEndToEndTests.push(more, to: bases[1])
            try await ServerAggregatesEndToEndTests.check(bases[0], swipes + more)

            // A cron materialization beside the replicas adds nothing twice.
            let cron = try await FSRunner.run(["materialize-incremental", "now", "--repo", repo])
            #expect(cron.status == 0, "\(cron.stderr)")
            try await ServerAggregatesEndToEndTests.check(bases[1], swipes + more)

            await first.stop(SIGTERM)
            await second.stop(SIGTERM)
            for view in ["swipe_stats", "trip_stats"] {
                let verify = try await FSRunner.run(["verify-consistency", "--repo", repo, "--views", view, "--json"])
                #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
                let report = try JSONSerialization.jsonObject(with: Data(verify.stdout.utf8)) as? [String: Any]
                let features = report?["features"] as? [[String: Any]] ?? []
                #expect(features.count == (view == "swipe_stats" ? 7 : 3), "\(verify.stdout)")
                #expect(
                    features.allSatisfy { ($0["mismatches"] as? Int) == 0 && ($0["checked"] as? Int ?? 0) > 0 },
                    "\(view): \(features)")
            }
        }
    }
}
