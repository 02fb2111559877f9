import Foundation
import Testing

/// `fs stats`, `fs get-training-set --save-profile` and `fs drift` through the real binary, on a
/// fresh `fs init` repo whose data ends at the current hour (drift windows end now).
@Suite struct MonitoringEndToEndTests {
    static let hour: TimeInterval = 3_600

    /// The current hour, as `fs init --end` takes it.
    static func currentHour() -> Date {
        Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / hour).rounded(.down) * hour)
    }

    static func rfc3339(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    /// The demo repo with a service `ranking` watched against the baseline `base`, applied, with
    /// the driver statistics ingested.
    static func monitoredRepo(_ monitoring: String = "{ baseline: base, window: 1d, psi_alert: 0.25 }")
        async throws -> (repo: String, end: Date)
    {
        let end = currentHour()
        let repo = (FSRunner.temporaryDirectory("fs-monitor") as NSString).appendingPathComponent("demo")
        #expect(try await FSRunner.run(["init", repo, "--end", rfc3339(end)]).status == 0)
        let services = try String(contentsOfFile: "\(repo)/services.yaml", encoding: .utf8)
        let ranking =
            "  - name: ranking\n    features: [\"driver_hourly_stats:*\"]\n    monitoring: \(monitoring)\n"
        try (services.hasSuffix("\n") ? services : services + "\n").appending(ranking).write(
            toFile: "\(repo)/services.yaml", atomically: true, encoding: .utf8)
        let apply = try await FSRunner.run(["apply", "--repo", repo])
        #expect(apply.status == 0, "\(apply.stderr)")
        let ingest = try await FSRunner.run([
            "ingest", "driver_hourly_stats_source", "\(repo)/data/driver_stats.csv", "--repo", repo,
        ])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.stdout.contains("Profiled "), "\(ingest.stdout)")
        return (repo, end)
    }

    /// The rows of the demo's driver statistics: driver, event time, created, conv, acc, trips.
    static func history(_ repo: String) async throws -> [[String]] {
        try String(contentsOfFile: "\(repo)/data/driver_stats.csv", encoding: .utf8)
            .split(separator: "\n").dropFirst().map {
                $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            }
    }

    /// How many rows have an event time in `[from, to)` (RFC 3339 UTC texts of one width order like
    /// the times they name).
    static func rows(_ rows: [[String]], from: String, to: String) -> Int {
        rows.filter { $0[1] >= from && $0[1] < to }.count
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// Saves the baseline `base` from a training set over the whole history: every 7th hour, 40 drivers.
    static func saveBaseline(_ repo: String, end: Date) async throws -> FSRunner.Result {
        var spine = "driver_id,event_timestamp\n"
        for hours in stride(from: 0, to: 14 * 24, by: 7) {
            for driver in 1001...1040 {
                spine += "\(driver),\(rfc3339(end.addingTimeInterval(-Double(hours) * hour + 1_800)))\n"
            }
        }
        try spine.write(toFile: "\(repo)/spine.csv", atomically: true, encoding: .utf8)
        return try await FSRunner.run([
            "get-training-set", "--repo", repo, "--spine", "\(repo)/spine.csv", "--feature-service", "ranking",
            "--out", "\(repo)/train.csv", "--save-profile", "base",
        ])
    }

    @Test func statsEqualTheExactFiguresOfTheIngestedRows() async throws {
        let (repo, end) = try await Self.monitoredRepo()
        let rows = try await Self.history(repo)
        let result = try await FSRunner.run(["stats", "driver_hourly_stats", "--repo", repo, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try Self.json(result.stdout)
        let features = try #require(report["features"] as? [[String: Any]])
        #expect(features.map { $0["feature"] as? String } == ["conv_rate", "acc_rate", "avg_daily_trips"])
        for (feature, column) in zip(features, [3, 4, 5]) {
            let profile = try #require(feature["profile"] as? [String: Any])
            let values = rows.map { Double($0[column])! }
            #expect(profile["count"] as? Int == values.count)
            #expect(profile["nulls"] as? Int == 0)
            #expect((profile["minimum"] as? Double) == values.min())
            #expect((profile["maximum"] as? Double) == values.max())
            let mean = values.reduce(0, +) / Double(values.count)
            let reported = try #require(profile["mean"] as? Double)
            #expect(abs(reported - mean) <= 1e-9 * max(1, abs(mean)))
            // The median within the sketch's documented rank error (1.65%), checked by rank.
            let median = try #require((profile["quantiles"] as? [String: Any])?["p50"] as? Double)
            let sorted = values.sorted()
            // Ties (an integer feature): the median's ranks span [below, atOrBelow].
            let below = Double(sorted.filter { $0 < median }.count) / Double(sorted.count)
            let atOrBelow = Double(sorted.filter { $0 <= median }.count) / Double(sorted.count)
            #expect(
                below <= 0.5 + 0.0165 && atOrBelow >= 0.5 - 0.0165,
                "\(feature["feature"] ?? "") p50 \(median) has ranks \(below)...\(atOrBelow)")
            let distinct = Double(Set(values).count)
            #expect(abs(Double(profile["distinct"] as? Int ?? 0) - distinct) <= 0.05 * distinct)
        }

        // A range of whole buckets: the last 24 hours hold 24 rows per driver and re-deliveries.
        let (from, to) = (Self.rfc3339(end.addingTimeInterval(-23 * Self.hour)), Self.rfc3339(end + Self.hour))
        let day = try await FSRunner.run([
            "stats", "driver_hourly_stats:conv_rate", "--from", from, "--to", to, "--repo", repo,
        ])
        #expect(day.status == 0, "\(day.stderr)")
        #expect(day.stdout.contains("driver_hourly_stats:conv_rate (float64)"), "\(day.stdout)")
        let lastDay = Self.rows(rows, from: from, to: to)
        #expect(lastDay > 200 * 24)
        #expect(day.stdout.contains("count \(lastDay)  nulls 0"), "\(day.stdout)")
        #expect(day.stdout.contains("\(from) to \(to) (24 buckets)"), "\(day.stdout)")
        // --window 1d: the 24 hourly buckets up to the end of the current hour.
        let window = try await FSRunner.run([
            "stats", "driver_hourly_stats:conv_rate", "--window", "1d", "--repo", repo,
        ])
        #expect(window.status == 0, "\(window.stderr)")
        #expect(window.stdout.contains("(24 buckets)") || window.stdout.contains("(23 buckets)"), "\(window.stdout)")

        // Rescanning the stored rows gives the same figures as the stored hourly profiles.
        let rescan = try await FSRunner.run(["stats", "driver_hourly_stats", "--rescan", "--repo", repo, "--json"])
        let rescanned = try #require(try Self.json(rescan.stdout)["features"] as? [[String: Any]])
        for (stored, computed) in zip(features, rescanned) {
            let a = try #require(stored["profile"] as? [String: Any])
            let b = try #require(computed["profile"] as? [String: Any])
            for key in ["count", "minimum", "maximum", "distinct"] {
                #expect("\(a[key] ?? "")" == "\(b[key] ?? "")", "\(key)")
            }
        }
    }

    @Test func driftIsQuietOnTheSameDistributionAndFiresOnAShift() async throws {
        let (repo, end) = try await Self.monitoredRepo()
        let saved = try await Self.saveBaseline(repo, end: end)
        #expect(saved.status == 0, "\(saved.stderr)")
        #expect(
            saved.stdout.contains("Saved baseline 'base': profiles of 3 features over 1920 rows."), "\(saved.stdout)")

        let baseline = try await FSRunner.run([
            "stats", "driver_hourly_stats:avg_daily_trips", "--baseline", "base", "--repo", repo,
        ])
        #expect(baseline.status == 0, "\(baseline.stderr)")
        #expect(baseline.stdout.contains("count 1920  nulls 0"), "\(baseline.stdout)")

        // The last day of the same generator: nothing drifts, no rule fires.
        let quiet = try await FSRunner.run(["drift", "--service", "ranking", "--fail-on", "psi>0.25", "--repo", repo])
        #expect(quiet.status == 0, "\(quiet.stdout)\(quiet.stderr)")
        #expect(quiet.stdout.contains("3 ok."), "\(quiet.stdout)")
        #expect(quiet.stdout.contains("Rules psi>0.25: none fired."), "\(quiet.stdout)")

        // Shifted values in the current hour: conversion up by about half its range, trips up by 30.
        var shifted = "driver_id,event_timestamp,created,conv_rate,acc_rate,avg_daily_trips\n"
        let time = Self.rfc3339(end.addingTimeInterval(60))
        for (index, row) in try await Self.history(repo).suffix(4_800).enumerated() {
            let conv = min(1, Double(row[3])! + 0.5)
            shifted += "\(row[0]),\(time),\(time),\(conv),\(row[4]),\(Int(row[5])! + 30 + index % 2)\n"
        }
        try shifted.write(toFile: "\(repo)/shifted.csv", atomically: true, encoding: .utf8)
        let ingest = try await FSRunner.run([
            "ingest", "driver_hourly_stats_source", "\(repo)/shifted.csv", "--repo", repo,
        ])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.stdout.contains("Profiled 4800 rows"), "\(ingest.stdout)")

        let fired = try await FSRunner.run([
            "drift", "--service", "ranking", "--fail-on", "psi>0.25", "--repo", repo, "--json",
        ])
        #expect(fired.status == 1, "\(fired.stdout)\(fired.stderr)")
        let report = try Self.json(fired.stdout)
        let features = try #require(report["features"] as? [[String: Any]])
        let status = Dictionary(
            uniqueKeysWithValues: features.map { ($0["feature"] as! String, $0["status"] as! String) })
        #expect(status == ["conv_rate": "alert", "acc_rate": "ok", "avg_daily_trips": "alert"])
        let firedFeatures = try #require(report["fired"] as? [[String: Any]]).map { $0["feature"] as? String }
        #expect(firedFeatures == ["conv_rate", "avg_daily_trips"])
        // The window's rows: the demo rows in it (the window is reported: it ends at the end of
        // the hour of the run) and the shifted ones.
        let inWindow = try await Self.rows(
            Self.history(repo), from: #require(report["window_start"] as? String),
            to: #require(report["window_end"] as? String))
        for feature in features {
            #expect(feature["window_count"] as? Int == inWindow + 4_800)
            #expect(feature["baseline_count"] as? Int == 1920)
        }

        // Text form: the rule and the features it fired for.
        let text = try await FSRunner.run(["drift", "--service", "ranking", "--fail-on", "psi>0.25", "--repo", repo])
        #expect(text.status == 1)
        #expect(text.stdout.contains("FIRED: psi>0.25 for driver_hourly_stats:conv_rate"), "\(text.stdout)")
        #expect(text.stdout.contains("2 alert, 1 ok."), "\(text.stdout)")
        // Without a rule, drift reports and exits 0 (alerts are for the reader, rules for cron).
        #expect(try await FSRunner.run(["drift", "--service", "ranking", "--repo", repo]).status == 0)
    }

    @Test func badRequestsAreClearErrors() async throws {
        let (repo, end) = try await Self.monitoredRepo()
        func error(_ arguments: [String]) async throws -> String {
            let result = try await FSRunner.run(arguments + ["--repo", repo])
            #expect(result.status != 0, "\(arguments) should fail")
            #expect(result.stdout.isEmpty, "\(result.stdout)")
            return result.stderr
        }
        #expect(
            try await error(["drift", "--service", "rankin"]).contains(
                "no feature service 'rankin' is registered. Did you mean 'ranking'?"))
        #expect(
            try await error(["drift", "--service", "ranking"]).contains(
                "no baseline 'base' is saved. No baseline is saved yet"))
        #expect(
            try await error(["drift", "--service", "driver_activity"]).contains(
                "name the baseline to compare with: --baseline NAME, or `monitoring: { baseline: NAME }` on feature service 'driver_activity'"
            ))
        _ = try await Self.saveBaseline(repo, end: end)
        #expect(
            try await error(["drift", "--service", "ranking", "--baseline", "bas"]).contains(
                "no baseline 'bas' is saved. Did you mean 'base'?"))
        #expect(
            try await error(["drift", "--service", "ranking", "--fail-on", "psi>>1"]).contains(
                "the threshold '>1' in drift rule 'psi>>1'"))
        #expect(
            try await error(["drift", "--service", "ranking", "--fail-on", "pis>0.2"]).contains("unknown metric 'pis'"))
        #expect(try await error(["drift", "--service", "ranking", "--window", "0d"]).contains("--window"))
        #expect(
            try await error(["drift", "--service", "ranking", "--source", "served"]).contains(
                "no served logs exist yet"))
        #expect(try await error(["stats", "driver_hourly_stat"]).contains("Did you mean 'driver_hourly_stats'?"))
        #expect(try await error(["stats", "driver_hourly_stats:conv"]).contains("has no feature 'conv'"))
        #expect(
            try await error(["stats", "driver_hourly_stats", "--baseline", "base", "--window", "1d"]).contains(
                "--baseline takes no --window"))
        #expect(
            try await error([
                "get-training-set", "--spine", "\(repo)/spine.csv", "--feature-service", "ranking", "--out",
                "\(repo)/x.csv", "--save-profile", "a b",
            ])
            .contains("baseline name 'a b' must be 1 to 128 letters"))
        #expect(!FileManager.default.fileExists(atPath: "\(repo)/x.csv"))
    }

    @Test func badMonitoringSettingsStopApplyNamingTheLine() async throws {
        let repo = (FSRunner.temporaryDirectory("fs-monitor") as NSString).appendingPathComponent("demo")
        #expect(try await FSRunner.run(["init", repo]).status == 0)
        let services = try String(contentsOfFile: "\(repo)/services.yaml", encoding: .utf8)
        let lines = services.split(separator: "\n", omittingEmptySubsequences: false).count
        try
            (services + (services.hasSuffix("\n") ? "" : "\n")
            + "  - name: ranking\n    features: [\"driver_hourly_stats:*\"]\n    monitoring:\n      window: 2x\n      psi_alert: 0\n")
            .write(toFile: "\(repo)/services.yaml", atomically: true, encoding: .utf8)
        let apply = try await FSRunner.run(["apply", "--repo", repo])
        #expect(apply.status != 0)
        let first = services.hasSuffix("\n") ? lines + 3 : lines + 4
        #expect(
            apply.stderr.contains(
                "services.yaml:\(first):15: error: monitoring window '2x' of feature service 'ranking'"),
            "\(apply.stderr)")
        #expect(
            apply.stderr.contains(
                "services.yaml:\(first + 1):18: error: 'psi_alert' of the monitoring of feature service 'ranking' must be a number above 0, not '0'"
            ), "\(apply.stderr)")
    }
}
