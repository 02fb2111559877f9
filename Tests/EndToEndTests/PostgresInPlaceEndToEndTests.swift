import Foundation
import PostgresTestSupport
import ProcessSupport
import Testing

/// The real `fs` binary over `kind: postgres` sources: the demo's two sources read in place from
/// tables of the PostgreSQL offline store (a schema-qualified table, and a query), with the rows
/// `fs ingest` would have stored. Apply, a training set (point-in-time and windowed features),
/// materialization and online lookups give exactly what the demo gives with its files ingested.
@Suite struct PostgresInPlaceEndToEndTests {
    static let end = PostgresOfflineEndToEndTests.end
    static let features =
        "driver_hourly_stats:conv_rate,driver_hourly_stats:acc_rate,driver_hourly_stats:avg_daily_trips,driver_trip_stats:trips_1h,driver_trip_stats:fare_sum_1d,driver_trip_stats:fare_avg_7d,driver_trip_stats:distance_max_1d"

    /// Runs the demo with its files ingested (no server) or read in place from `server`; returns
    /// the training set and the lookups' output.
    static func run(inPlace server: PostgresServerProcess?) async throws -> (trainingSet: String, online: String) {
        let parent = FSRunner.temporaryDirectory("fs-e2e-pg-in-place")
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
            try await load(repo: repo, into: server)
            try server.useAsOfflineStore(repo: repo, schema: "fs_offline")
            try rewrite(repo + "/driver_stats.yaml", "    kind: csv\n    path: data/driver_stats.csv\n") {
                "    kind: postgres\n    table: raw.Driver Stats\n"
            }
            try rewrite(repo + "/trips.yaml", "    kind: csv\n    path: data/trips.csv\n") {
                """
                    kind: postgres
                    query: |
                      SELECT driver_id, event_timestamp, fare, distance_km
                      FROM trips_raw -- every trip;

                """
            }
        }
        let applied = try await fs(["apply", "--repo", repo])
        #expect(!applied.stdout.isEmpty)
        if server == nil {
            _ = try await fs(["ingest", "driver_hourly_stats_source", repo + "/data/driver_stats.csv", "--repo", repo])
            _ = try await fs(["ingest", "trips", repo + "/data/trips.csv", "--repo", repo])
        } else {
            let refused = try await FSRunner.run(
                ["ingest", "trips", repo + "/data/trips.csv", "--repo", repo], environment: environment)
            #expect(refused.status != 0)
            #expect(
                refused.stderr.contains("source 'trips' is of kind postgres: it is read in place from its query"),
                "\(refused.stderr)")
        }
        var spine = "driver_id,event_timestamp\n"
        for driver in [1001, 1019, 1103, 1200, 7] {
            for time in [
                "2026-11-06T01:30:00Z", "2026-11-12T00:00:00Z", "2026-11-19T23:00:00Z", "2026-11-19T23:59:59Z",
            ] {
                spine += "\(driver),\(time)\n"
            }
        }
        try spine.write(toFile: repo + "/spine.csv", atomically: true, encoding: .utf8)
        _ = try await fs([
            "get-training-set", "--repo", repo, "--spine", repo + "/spine.csv", "--features", features, "--out",
            repo + "/out.csv",
        ])
        let materialized = try await fs(["materialize-incremental", end, "--repo", repo])
        #expect(materialized.stdout.contains("driver_trip_stats"), "\(materialized.stdout)")
        let online = try await fs([
            "get-online-features", "--repo", repo, "--features",
            "driver_hourly_stats:conv_rate,driver_hourly_stats:acc_rate,driver_hourly_stats:avg_daily_trips",
            "--entity", "driver_id=1001", "--entity", "driver_id=1019", "--entity", "driver_id=1200", "--entity",
            "driver_id=7", "--json",
        ])
        if server != nil {
            #expect(!FileManager.default.fileExists(atPath: repo + "/.fs/offline.db"), "a local offline store")
        }
        return (try String(contentsOfFile: repo + "/out.csv", encoding: .utf8), online.stdout)
    }

    /// Replaces `old` (which must be there) in the file at `path`.
    static func rewrite(_ path: String, _ old: String, with new: () -> String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains(old), "\(path) has no \(old)")
        try text.replacingOccurrences(of: old, with: new()).write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// The demo's CSV files as tables: driver stats in `raw."Driver Stats"` (timestamptz), trips
    /// in `trips_raw` (UTC wall-clock `timestamp`, fares as `numeric`).
    static func load(repo: String, into server: PostgresServerProcess) async throws {
        var statements = [
            "CREATE SCHEMA raw",
            """
            CREATE TABLE raw."Driver Stats" (driver_id bigint, event_timestamp timestamptz, created timestamptz,
                conv_rate double precision, acc_rate double precision, avg_daily_trips integer)
            """,
            "CREATE TABLE trips_raw (driver_id bigint, event_timestamp timestamp, fare numeric(10,2), distance_km double precision)",
        ]
        for (file, table, timeColumns) in [
            ("driver_stats.csv", "raw.\"Driver Stats\"", [1, 2]), ("trips.csv", "trips_raw", [1]),
        ] {
            let lines = try String(contentsOfFile: repo + "/data/" + file, encoding: .utf8)
                .split(separator: "\n").dropFirst()
            var start = lines.startIndex
            while start < lines.endIndex {
                let end = min(start + 2_000, lines.endIndex)
                let tuples = lines[start..<end].map { line in
                    let fields = line.split(separator: ",", omittingEmptySubsequences: false).enumerated().map {
                        index, field in
                        field.isEmpty ? "NULL" : timeColumns.contains(index) ? "'\(field)'" : String(field)
                    }
                    return "(" + fields.joined(separator: ", ") + ")"
                }
                statements.append("INSERT INTO \(table) VALUES " + tuples.joined(separator: ", "))
                start = end
            }
        }
        try await server.execute(statements)
    }

    /// With the SQLite offline store, a `postgres` source is a mistake `fs validate` and `fs apply`
    /// report at its kind, with the fix.
    @Test func aPostgresSourceNeedsThePostgresOfflineStore() async throws {
        let parent = FSRunner.temporaryDirectory("fs-e2e-pg-in-place-sqlite")
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let repo = (parent as NSString).appendingPathComponent("demo")
        #expect(try await FSRunner.run(["init", repo, "--end", Self.end]).status == 0)
        try Self.rewrite(repo + "/driver_stats.yaml", "    kind: csv\n    path: data/driver_stats.csv\n") {
            "    kind: postgres\n    table: driver_stats\n"
        }
        for command in ["validate", "apply"] {
            let result = try await FSRunner.run([command, "--repo", repo])
            #expect(result.status == 1)
            #expect(
                result.stderr.contains(
                    "\(repo)/driver_stats.yaml:5:11: error: source 'driver_hourly_stats_source' is of kind postgres: it reads table 'driver_stats' in the PostgreSQL offline store's database, but the offline store in feature_store.yaml is SQLite"
                ), "\(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: repo + "/.fs/registry.db"))
    }

    @Test func inPlaceSourcesGiveWhatIngestedFilesGive() async throws {
        try await withPostgresServer { server in
            let ingested = try await Self.run(inPlace: nil)
            let inPlace = try await Self.run(inPlace: server)
            #expect(ingested.trainingSet.split(separator: "\n").count == 21)
            #expect(inPlace.trainingSet == ingested.trainingSet)
            #expect(inPlace.online == ingested.online)
            #expect(ingested.online.contains("conv_rate"))
            // The demo has values at these times: the comparison is not of empty columns.
            #expect(ingested.trainingSet.contains("1001,2026-11-12T00:00:00Z,0."), "\(ingested.trainingSet)")
        }
    }
}
