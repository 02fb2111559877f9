import Foundation
import PostgresTestSupport
import ProcessSupport
import Testing

/// The real `fs` binary with `offline_store: {type: postgres}`: apply, ingest, a training set
/// (point-in-time and windowed features), materialization and online lookups give exactly what
/// the same commands give with the SQLite offline store on the same data.
@Suite struct PostgresOfflineEndToEndTests {
    static let end = "2026-11-20T00:00:00Z"

    /// Runs the commands on a fresh demo repo and returns the training set and the lookups' output.
    static func run(postgres server: PostgresServerProcess?) async throws -> (trainingSet: String, online: String) {
        let parent = FSRunner.temporaryDirectory("fs-e2e-pg-offline")
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let repo = (parent as NSString).appendingPathComponent("demo")
        let environment = server?.environment ?? [:]
        func fs(_ arguments: [String]) async throws -> FSRunner.Result {
            let result = try await FSRunner.run(arguments, environment: environment)
            #expect(result.status == 0, "fs \(arguments.joined(separator: " ")): \(result.stderr)")
            return result
        }
        _ = try await fs(["init", repo, "--end", end])
        if let server {
            try server.useAsOfflineStore(repo: repo, schema: "fs_offline")
        }
        _ = try await fs(["apply", "--repo", repo])
        _ = try await fs(["ingest", "driver_hourly_stats_source", repo + "/data/driver_stats.csv", "--repo", repo])
        _ = try await fs(["ingest", "trips", repo + "/data/trips.csv", "--repo", repo])
        let again = try await fs(["ingest", "trips", repo + "/data/trips.csv", "--repo", repo])
        #expect(again.stdout.contains("Already ingested"), "\(again.stdout)")
        var spine = "driver_id,event_timestamp\n"
        for driver in [1001, 1019, 1103, 1200, 7] {
            for time in ["2026-11-06T01:30:00Z", "2026-11-12T00:00:00Z", "2026-11-19T23:59:59Z"] {
                spine += "\(driver),\(time)\n"
            }
        }
        try spine.write(toFile: repo + "/spine.csv", atomically: true, encoding: .utf8)
        _ = try await fs([
            "get-training-set", "--repo", repo, "--spine", repo + "/spine.csv", "--features",
            "driver_hourly_stats:conv_rate,driver_hourly_stats:avg_daily_trips,driver_trip_stats:trips_1h,driver_trip_stats:fare_sum_1d,driver_trip_stats:fare_avg_7d,driver_trip_stats:distance_max_1d",
            "--out", repo + "/out.csv",
        ])
        _ = try await fs(["materialize-incremental", end, "--repo", repo])
        let online = try await fs([
            "get-online-features", "--repo", repo, "--features",
            "driver_hourly_stats:conv_rate,driver_hourly_stats:avg_daily_trips", "--entity", "driver_id=1001",
            "--entity", "driver_id=1019", "--entity", "driver_id=7", "--json",
        ])
        if server != nil {
            #expect(!FileManager.default.fileExists(atPath: repo + "/.fs/offline.db"), "a local offline store")
        }
        return (try String(contentsOfFile: repo + "/out.csv", encoding: .utf8), online.stdout)
    }

    @Test func postgresGivesWhatSQLiteGives() async throws {
        try await withPostgresServer { server in
            let sqlite = try await Self.run(postgres: nil)
            let postgres = try await Self.run(postgres: server)
            #expect(sqlite.trainingSet.split(separator: "\n").count == 16)
            #expect(postgres.trainingSet == sqlite.trainingSet)
            #expect(postgres.online == sqlite.online)
            #expect(sqlite.online.contains("conv_rate"))
        }
    }
}
