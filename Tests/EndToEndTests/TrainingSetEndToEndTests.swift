import Foundation
import Testing

/// `fs ingest` and `fs get-training-set` through the real binary, on a fresh `fs init` repo.
@Suite struct TrainingSetEndToEndTests {
    static let end = "2026-11-20T00:00:00Z"

    /// A demo repo, applied, with the driver statistics ingested.
    static func ingestedRepo() async throws -> String {
        let repo = (FSRunner.temporaryDirectory("fs-ts") as NSString).appendingPathComponent("demo")
        #expect(try await FSRunner.run(["init", repo, "--end", end]).status == 0)
        #expect(try await FSRunner.run(["apply", "--repo", repo]).status == 0)
        let ingest = try await FSRunner.run([
            "ingest", "driver_hourly_stats_source", "\(repo)/data/driver_stats.csv", "--repo", repo,
        ])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        return repo
    }

    static func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func ingestThenTrainingSetMatchesABruteForceJoin() async throws {
        let repo = try await Self.ingestedRepo()
        // The demo CSV has no quoted fields: split on commas.
        let history = try String(contentsOfFile: "\(repo)/data/driver_stats.csv", encoding: .utf8)
            .split(separator: "\n").dropFirst().map {
                $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            }
        let drivers = Array(Set(history.map { $0[0] })).sorted().prefix(5)
        let times = [
            "2026-11-19T10:30:00Z", "2026-11-06T01:00:00Z", "2026-11-01T00:00:00Z", "2026-11-21T00:00:00Z",
            "2026-11-20T23:00:00Z",
        ]
        var spine = "driver_id,event_timestamp,label\n"
        for driver in drivers + ["1"] {
            for time in times { spine += "\(driver),\(time),\(driver.count)\n" }
        }
        try Self.write(spine, to: "\(repo)/spine.csv")
        let result = try await FSRunner.run([
            "get-training-set", "--repo", repo, "--spine", "\(repo)/spine.csv",
            "--features", "driver_hourly_stats:conv_rate,driver_hourly_stats:avg_daily_trips", "--out",
            "\(repo)/out.csv",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Wrote 30 rows"))
        let lines = try String(contentsOfFile: "\(repo)/out.csv", encoding: .utf8).split(separator: "\n").map(
            String.init)
        #expect(lines.first == "driver_id,event_timestamp,label,conv_rate,avg_daily_trips")
        let spineLines = spine.split(separator: "\n").dropFirst().map(String.init)
        #expect(lines.count == spineLines.count + 1)
        var matched = 0
        for (line, spineLine) in zip(lines.dropFirst(), spineLines) {
            let parts = spineLine.split(separator: ",").map(String.init)
            let t = parts[1]
            // ttl 1d: event in [t - 1d, t]; the latest event, then the latest created. RFC 3339 UTC
            // strings of one width order like the times they name.
            let dayBefore = Self.shift(t, seconds: -86_400)
            let best = history.filter { $0[0] == parts[0] && $0[1] <= t && $0[1] >= dayBefore }
                .max { ($0[1], $0[2]) < ($1[1], $1[2]) }
            let expected = spineLine + "," + (best.map { "\(Double($0[3])!),\($0[5])" } ?? ",")
            #expect(line == expected)
            if best != nil { matched += 1 }
        }
        #expect(matched > 5)
        #expect(matched < spineLines.count)
    }

    static func shift(_ text: String, seconds: Int) -> String {
        let formatter = ISO8601DateFormatter()
        let date = formatter.date(from: text)!.addingTimeInterval(TimeInterval(seconds))
        return formatter.string(from: date)
    }

    @Test func reingestAddsNothingAndStdoutOutput() async throws {
        let repo = try await Self.ingestedRepo()
        let again = try await FSRunner.run([
            "ingest", "driver_hourly_stats_source", "\(repo)/data/driver_stats.csv", "--repo", repo,
        ])
        #expect(again.status == 0)
        #expect(again.stdout.contains("Already ingested"), "\(again.stdout)")
        #expect(again.stdout.contains("nothing stored now. Pass --force"), "\(again.stdout)")
        let forced = try await FSRunner.run([
            "ingest", "driver_hourly_stats_source", "\(repo)/data/driver_stats.csv", "--repo", repo, "--force",
        ])
        #expect(forced.status == 0)
        #expect(forced.stdout.contains(" rows/s"), "\(forced.stdout)")
        #expect(!forced.stdout.contains(" 0 new"), "\(forced.stdout)")
        try Self.write("driver_id,event_timestamp\n1001,2026-11-19T10:30:00Z\n", to: "\(repo)/spine.csv")
        let out = try await FSRunner.run([
            "get-training-set", "--repo", repo, "--spine", "\(repo)/spine.csv", "--features", "driver_hourly_stats:*",
            "--full-feature-names", "--out", "-",
        ])
        #expect(out.status == 0, "\(out.stderr)")
        let lines = out.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(
            lines.first
                == "driver_id,event_timestamp,driver_hourly_stats__conv_rate,driver_hourly_stats__acc_rate,driver_hourly_stats__avg_daily_trips"
        )
    }

    @Test func badRowStopsIngestAndSkipBadRowsStoresTheRest() async throws {
        let repo = try await Self.ingestedRepo()
        let file = "\(repo)/bad.csv"
        try Self.write(
            "driver_id,event_timestamp,created,conv_rate,acc_rate,avg_daily_trips\n"
                + "5001,2026-11-19T00:00:00Z,2026-11-19T00:00:00Z,0.5,0.5,3\n"
                + "5002,2026-11-19T00:00:00Z,2026-11-19T00:00:00Z,high,0.5,3\n", to: file)
        let failed = try await FSRunner.run(["ingest", "driver_hourly_stats_source", file, "--repo", repo])
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("bad.csv:3: column 'conv_rate': 'high'"))
        #expect(failed.stderr.contains("--skip-bad-rows"))
        let skipped = try await FSRunner.run([
            "ingest", "driver_hourly_stats_source", file, "--repo", repo, "--skip-bad-rows",
        ])
        #expect(skipped.status == 0)
        // The row before the bad one was not stored by the failed attempt: it is new now.
        #expect(skipped.stdout.contains("2 rows, 1 new, 1 rejected"), "\(skipped.stdout)")
        #expect(FileManager.default.fileExists(atPath: file + ".rejects.csv"))
    }

    @Test func namingErrorsAreClear() async throws {
        let repo = try await Self.ingestedRepo()
        try Self.write("driver_id,event_timestamp\n1001,2026-11-19T10:30:00Z\n", to: "\(repo)/spine.csv")
        func run(_ extra: [String]) async throws -> FSRunner.Result {
            try await FSRunner.run(
                ["get-training-set", "--repo", repo, "--spine", "\(repo)/spine.csv", "--out", "-"] + extra)
        }
        let feature = try await run(["--features", "driver_hourly_stats:conv_rat"])
        #expect(feature.status == 1)
        #expect(feature.stderr.contains("no feature 'conv_rat'. Did you mean 'conv_rate'?"))
        let view = try await run(["--features", "driver_hourly_stat:conv_rate"])
        #expect(view.stderr.contains("unknown feature view 'driver_hourly_stat'"))
        #expect(view.stderr.contains("Did you mean 'driver_hourly_stats'?"))
        let service = try await run(["--feature-service", "driver_activity"])
        #expect(service.status == 0, "\(service.stderr)")
        #expect(service.stdout.hasPrefix("driver_id,event_timestamp,conv_rate,acc_rate,avg_daily_trips,trips_1h,"))
        let unknownService = try await run(["--feature-service", "driver_activty"])
        #expect(unknownService.status == 1)
        #expect(unknownService.stderr.contains("Did you mean 'driver_activity'?"))
        let source = try await FSRunner.run(["ingest", "no_such_source", "\(repo)/spine.csv", "--repo", repo])
        #expect(source.status == 1)
        #expect(source.stderr.contains("no source 'no_such_source'"))
    }

    @Test func sameFeatureNameInTwoViewsNeedsFullNames() async throws {
        let repo = try await Self.ingestedRepo()
        // A second view over the same source with a longer ttl: same feature names.
        try Self.write(
            """
            feature_views:
              - name: driver_week
                entities: [driver]
                source: driver_hourly_stats_source
                ttl: 7d
                features:
                  - name: conv_rate
                    type: float64

            """, to: "\(repo)/week.yaml")
        #expect(try await FSRunner.run(["apply", "--repo", repo]).status == 0)
        // 2026-11-21T12:00Z is 36 hours after the last hour of data: outside 1d, inside 7d.
        try Self.write("driver_id,event_timestamp\n1001,2026-11-21T12:00:00Z\n", to: "\(repo)/spine.csv")
        let features = "driver_hourly_stats:conv_rate,driver_week:conv_rate"
        let collision = try await FSRunner.run([
            "get-training-set", "--repo", repo, "--spine", "\(repo)/spine.csv", "--features", features, "--out", "-",
        ])
        #expect(collision.status == 1)
        #expect(collision.stderr.contains("both have a feature named 'conv_rate'"))
        #expect(collision.stderr.contains("--full-feature-names"))
        let full = try await FSRunner.run([
            "get-training-set", "--repo", repo, "--spine", "\(repo)/spine.csv", "--features", features,
            "--full-feature-names", "--out", "-",
        ])
        #expect(full.status == 0, "\(full.stderr)")
        let lines = full.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0] == "driver_id,event_timestamp,driver_hourly_stats__conv_rate,driver_week__conv_rate")
        let cells = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(cells[2] == "")
        #expect(!cells[3].isEmpty)
    }

    @Test func sqliteSourcesAreReadInPlaceAndRefuseIngest() async throws {
        let repo = try await Self.ingestedRepo()
        try Self.write(
            """
            sources:
              - name: raw_stats
                kind: sqlite
                query: SELECT 1001 AS driver_id, '2026-11-19T00:00:00Z' AS ts, 2.5 AS score
                timestamp_field: ts
                schema:
                  driver_id: int64
                  ts: timestamp
                  score: float64

            feature_views:
              - name: raw_view
                entities: [driver]
                source: raw_stats
                ttl: 0
                features:
                  - name: score
                    type: float64

            """, to: "\(repo)/raw.yaml")
        let apply = try await FSRunner.run(["apply", "--repo", repo])
        #expect(apply.status == 0, "\(apply.stderr)")
        let ingest = try await FSRunner.run(["ingest", "raw_stats", "\(repo)/data/driver_stats.csv", "--repo", repo])
        #expect(ingest.status == 1)
        #expect(ingest.stderr.contains("read in place"))
        try Self.write(
            "driver_id,event_timestamp\n1001,2026-11-19T10:30:00Z\n1001,2026-11-18T10:30:00Z\n", to: "\(repo)/spine.csv"
        )
        let out = try await FSRunner.run([
            "get-training-set", "--repo", repo, "--spine", "\(repo)/spine.csv", "--features",
            "raw_view:score,driver_hourly_stats:avg_daily_trips", "--out", "-",
        ])
        #expect(out.status == 0, "\(out.stderr)")
        let lines = out.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0] == "driver_id,event_timestamp,score,avg_daily_trips")
        #expect(lines[1].hasPrefix("1001,2026-11-19T10:30:00Z,2.5,"))
        #expect(lines[2].hasPrefix("1001,2026-11-18T10:30:00Z,,"))
    }
}
