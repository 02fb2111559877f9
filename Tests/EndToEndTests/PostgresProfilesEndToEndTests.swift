import Foundation
import PostgresTestSupport
import ProcessSupport
import Testing

/// Feature profiles through the real `fs` binary with `offline_store: {type: postgres}`: the
/// profiles written after ingest, `fs stats` (stored, by range, rescanned), a baseline saved from a
/// training set (`--save-profile`) and `fs drift` against it give exactly what the same commands
/// give with the SQLite offline store on the same data.
@Suite struct PostgresProfilesEndToEndTests {
    typealias Monitoring = MonitoringEndToEndTests

    /// What the commands printed, in forms that compare across backends.
    struct Outputs: Equatable {
        var ingest: String
        var stats: String
        var rangeStats: String
        var rescan: String
        var baseline: String
        var saved: String
        var quietDrift: String
        var firedDrift: String
        var firedStatus: Int32

        /// The drift windows (they end at the end of the hour of the run).
        var windows: [String] {
            [quietDrift, firedDrift].map { text in
                (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])?["window_end"] as? String
                    ?? ""
            }
        }
    }

    /// Runs the commands on a fresh demo repo (its data ending at `end`) with a service `ranking`
    /// watched against the baseline `base`.
    static func run(postgres server: PostgresServerProcess?, end: Date, schema: String = "fs_profiles") async throws
        -> Outputs
    {
        let parent = FSRunner.temporaryDirectory("fs-e2e-pg-profiles")
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let repo = (parent as NSString).appendingPathComponent("demo")
        let environment = server?.environment ?? [:]
        func fs(_ arguments: [String], status: Int32 = 0) async throws -> FSRunner.Result {
            let result = try await FSRunner.run(arguments + ["--repo", repo], environment: environment)
            #expect(
                result.status == status,
                "\(server == nil ? "sqlite" : "postgres"): fs \(arguments.joined(separator: " ")): \(result.stdout)\(result.stderr)"
            )
            return result
        }
        let initialized = try await FSRunner.run(["init", repo, "--end", Monitoring.rfc3339(end)])
        #expect(initialized.status == 0, "\(initialized.stderr)")
        if let server {
            try server.useAsOfflineStore(repo: repo, schema: schema)
        }
        let services = try String(contentsOfFile: "\(repo)/services.yaml", encoding: .utf8)
        try (services.hasSuffix("\n") ? services : services + "\n").appending(
            "  - name: ranking\n    features: [\"driver_hourly_stats:*\"]\n    monitoring: { baseline: base, window: 1d, psi_alert: 0.25 }\n"
        ).write(toFile: "\(repo)/services.yaml", atomically: true, encoding: .utf8)
        _ = try await fs(["apply"])
        let ingest = try await fs(["ingest", "driver_hourly_stats_source", "\(repo)/data/driver_stats.csv"])
        #expect(ingest.stdout.contains("Profiled "), "\(ingest.stdout)")
        if server != nil {
            #expect(!FileManager.default.fileExists(atPath: repo + "/.fs/offline.db"), "a local offline store")
        }
        let stats = try await fs(["stats", "driver_hourly_stats", "--json"])
        let (from, to) = (
            Monitoring.rfc3339(end.addingTimeInterval(-23 * Monitoring.hour)),
            Monitoring.rfc3339(end + Monitoring.hour)
        )
        let range = try await fs(["stats", "driver_hourly_stats:conv_rate", "--from", from, "--to", to])
        let rescan = try await fs(["stats", "driver_hourly_stats", "--rescan", "--json"])

        var spine = "driver_id,event_timestamp\n"
        for hours in stride(from: 0, to: 14 * 24, by: 7) {
            for driver in 1001...1040 {
                spine +=
                    "\(driver),\(Monitoring.rfc3339(end.addingTimeInterval(-Double(hours) * Monitoring.hour + 1_800)))\n"
            }
        }
        try spine.write(toFile: "\(repo)/spine.csv", atomically: true, encoding: .utf8)
        let saved = try await fs([
            "get-training-set", "--spine", "\(repo)/spine.csv", "--feature-service", "ranking", "--out",
            "\(repo)/train.csv", "--save-profile", "base",
        ])
        let baseline = try await fs(["stats", "driver_hourly_stats:avg_daily_trips", "--baseline", "base"])
        let quiet = try await fs(["drift", "--service", "ranking", "--fail-on", "psi>0.25", "--json"])

        // Shifted values in the current hour: the update after this ingest profiles only them.
        var shifted = "driver_id,event_timestamp,created,conv_rate,acc_rate,avg_daily_trips\n"
        let time = Monitoring.rfc3339(end.addingTimeInterval(60))
        for (index, row) in try await Monitoring.history(repo).suffix(4_800).enumerated() {
            shifted +=
                "\(row[0]),\(time),\(time),\(min(1, Double(row[3])! + 0.5)),\(row[4]),\(Int(row[5])! + 30 + index % 2)\n"
        }
        try shifted.write(toFile: "\(repo)/shifted.csv", atomically: true, encoding: .utf8)
        let second = try await fs(["ingest", "driver_hourly_stats_source", "\(repo)/shifted.csv"])
        #expect(second.stdout.contains("Profiled 4800 rows"), "\(second.stdout)")
        let fired = try await fs(["drift", "--service", "ranking", "--fail-on", "psi>0.25", "--json"], status: 1)
        return Outputs(
            ingest: Self.profiledLine(ingest.stdout), stats: try Self.sorted(stats.stdout), rangeStats: range.stdout,
            rescan: try Self.sorted(rescan.stdout), baseline: baseline.stdout, saved: saved.stdout,
            quietDrift: try Self.sorted(quiet.stdout), firedDrift: try Self.sorted(fired.stdout),
            firedStatus: fired.status)
    }

    /// The line of an ingest's output that reports the profile update, its timing (`, 1.23 s)`) left out.
    static func profiledLine(_ text: String) -> String {
        let line = text.split(separator: "\n").first { $0.contains("Profiled ") }.map(String.init) ?? ""
        guard let timing = line.range(of: ", ", options: .backwards) else { return line }
        return String(line[..<timing.lowerBound])
    }

    /// JSON with its keys sorted, so two outputs compare as texts; a drift report's baseline keeps
    /// what does not depend on the run (its name, rows and features; not when it was saved or the
    /// repo's temporary path).
    static func sorted(_ text: String) throws -> String {
        var object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        if var report = object as? [String: Any], var baseline = report["baseline"] as? [String: Any] {
            baseline["created_at"] = nil
            baseline["origin"] = nil
            report["baseline"] = baseline
            object = report
        }
        return String(
            decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    @Test func profilesStatsBaselinesAndDriftOnPostgresEqualSQLite() async throws {
        try await withPostgresServer { server in
            var runs: (sqlite: Outputs, postgres: Outputs)?
            // Drift windows end with the hour of the run: when the hour turns between the two
            // runs, they compare different windows, and both run again (an hour turns once).
            for attempt in 0..<2 {
                let end = Monitoring.currentHour()
                let sqlite = try await Self.run(postgres: nil, end: end)
                let postgres = try await Self.run(postgres: server, end: end, schema: "fs_profiles\(attempt)")
                runs = (sqlite, postgres)
                if sqlite.windows == postgres.windows { break }
            }
            let (sqlite, postgres) = try #require(runs)
            #expect(sqlite.windows == postgres.windows)
            #expect(sqlite.saved.contains("Saved baseline 'base': profiles of 3 features over 1920 rows."))
            #expect(sqlite.baseline.contains("count 1920  nulls 0"), "\(sqlite.baseline)")
            #expect(sqlite.quietDrift.contains("\"status\":\"ok\""), "\(sqlite.quietDrift)")
            #expect(sqlite.firedDrift.contains("\"status\":\"alert\""), "\(sqlite.firedDrift)")
            #expect(
                sqlite.ingest.hasPrefix("Profiled ")
                    && sqlite.ingest.hasSuffix("for fs stats and fs drift (3 features"),
                "\(sqlite.ingest)")
            #expect(postgres.ingest == sqlite.ingest)
            #expect(postgres.stats == sqlite.stats)
            #expect(postgres.rangeStats == sqlite.rangeStats)
            #expect(postgres.rescan == sqlite.rescan)
            #expect(postgres.rescan.contains("\"count\":"), "\(postgres.rescan)")
            #expect(postgres.baseline == sqlite.baseline)
            #expect(postgres.saved.replacingOccurrences(of: "\n", with: " ").contains("Saved baseline 'base'"))
            #expect(postgres.quietDrift == sqlite.quietDrift)
            #expect(postgres.firedDrift == sqlite.firedDrift)
            #expect(postgres.firedStatus == 1)
        }
    }
}
