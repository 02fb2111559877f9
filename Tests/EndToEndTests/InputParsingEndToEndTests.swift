import Foundation
import Testing

/// The input parsers through the real binary: sqlite sources, ingest, command-line times.
@Suite struct InputParsingEndToEndTests {
    /// A demo repo, applied.
    static func repo() async throws -> String {
        let repo = (FSRunner.temporaryDirectory("fs-parse") as NSString).appendingPathComponent("demo")
        #expect(try await FSRunner.run(["init", repo, "--end", "2026-11-20T00:00:00Z"]).status == 0)
        #expect(try await FSRunner.run(["apply", "--repo", repo]).status == 0)
        return repo
    }

    /// Finding 4: a `sqlite` source whose times have fractions without a zone and offsets: a
    /// spine row at 10:00:00.2Z gets the row at exactly 10:00:00Z, never one from its future.
    @Test func sqliteSourceTimesNeverLeakTheFuture() async throws {
        let repo = try await Self.repo()
        try """
        sources:
          - name: raw_times
            kind: sqlite
            query: >-
              SELECT 1001 AS driver_id, '2026-11-19 10:00:00.900' AS ts, 1.0 AS score
              UNION ALL SELECT 1001, '2026-11-19 05:00:00.500-05:00', 2.0
              UNION ALL SELECT 1001, '2026-11-19T05:00:00-05', 3.0
              UNION ALL SELECT 1001, '2026-11-19 09:59:59.999999', 4.0
            timestamp_field: ts
            schema:
              driver_id: int64
              ts: timestamp
              score: float64

        feature_views:
          - name: raw_times_view
            entities: [driver]
            source: raw_times
            ttl: 0
            features:
              - name: score
                type: float64

        """.write(toFile: "\(repo)/raw_times.yaml", atomically: true, encoding: .utf8)
        let apply = try await FSRunner.run(["apply", "--repo", repo])
        #expect(apply.status == 0, "\(apply.stderr)")
        try "driver_id,event_timestamp\n1001,2026-11-19T10:00:00.2Z\n1001,2026-11-19T10:00:01Z\n".write(
            toFile: "\(repo)/spine.csv", atomically: true, encoding: .utf8)
        let out = try await FSRunner.run([
            "get-training-set", "--repo", repo, "--spine", "\(repo)/spine.csv", "--features", "raw_times_view:score",
            "--out", "-",
        ])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(
            out.stdout.split(separator: "\n") == [
                "driver_id,event_timestamp,score", "1001,2026-11-19T10:00:00.2Z,3.0", "1001,2026-11-19T10:00:01Z,1.0",
            ])
    }

    /// Finding 5: `1e999` was ingested as an infinity.
    @Test func ingestRefusesNonFiniteNumbers() async throws {
        let repo = try await Self.repo()
        try """
        driver_id,event_timestamp,created,conv_rate,acc_rate,avg_daily_trips
        1001,2026-11-19T10:00:00Z,2026-11-19T10:00:00Z,0.5,0.5,3
        1001,2026-11-19T11:00:00Z,2026-11-19T11:00:00Z,1e999,0.5,3

        """.write(toFile: "\(repo)/bad.csv", atomically: true, encoding: .utf8)
        let ingest = try await FSRunner.run(["ingest", "driver_hourly_stats_source", "\(repo)/bad.csv", "--repo", repo])
        #expect(ingest.status != 0)
        #expect(
            ingest.stderr.contains("bad.csv:3: column 'conv_rate': '1e999' is not a valid float64"), "\(ingest.stderr)")
        #expect(ingest.stderr.contains("finite"), "\(ingest.stderr)")
    }

    /// The command line reads times with the same parser and says what is wrong.
    @Test func commandLineTimesSayWhatIsWrong() async throws {
        let repo = try await Self.repo()
        let fraction = try await FSRunner.run(["materialize", "2026-11-19T00:00:00.1234567Z", "now", "--repo", repo])
        #expect(fraction.status != 0)
        #expect(fraction.stderr.contains("more precise than a microsecond"), "\(fraction.stderr)")
        let month = try await FSRunner.run(["materialize-incremental", "2026-13-01T00:00:00Z", "--repo", repo])
        #expect(month.status != 0)
        #expect(month.stderr.contains("month 13 does not exist"), "\(month.stderr)")
        let year = try await FSRunner.run(["materialize", "0000-01-01T00:00:00Z", "now", "--repo", repo])
        #expect(year.stderr.contains("0001 to 9999"), "\(year.stderr)")
    }
}
