import Foundation
import PostgresTestSupport
import ProcessSupport
import Testing

/// Many `fs` processes on one offline store at once, on each backend (SQLite and PostgreSQL): 4 ingests of different files
/// into one source while 2 processes build training sets over and over and one applies a change.
/// No row is lost (afterwards every ingested row is the value at its own time), and every training
/// set built meanwhile equals the answer for some committed state (all of some ingests, none of the
/// others; never part of a file).
@Suite struct OfflineConcurrencyEndToEndTests {
    static let files = 4
    static let rowsPerFile = 5_500  // 22,000 rows in all: more than one PostgreSQL FETCH batch (20,000)
    static let drivers = 40
    static let base = 1_795_000_000  // 2026-11-18T...Z, seconds

    static func time(_ seconds: Int) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// File `file`'s rows: (driver, event second, value), every event second distinct across files,
    /// later files later, so the newest row of a driver comes from the newest committed file.
    static func rows(of file: Int) -> [(driver: Int, second: Int, value: Int)] {
        (0..<rowsPerFile).map { index in
            (1 + index % drivers, base + file * rowsPerFile + index, file * 1_000_000 + index)
        }
    }

    static func repo(offlineStore: String) throws -> String {
        let repo = (FSRunner.temporaryDirectory("fs-e2e-concurrency") as NSString).appendingPathComponent("repo")
        try FileManager.default.createDirectory(atPath: repo + "/data", withIntermediateDirectories: true)
        try """
        project: concurrency
        registry: .fs/registry.db
        \(offlineStore)
        online_store: {type: rocksdb, path: .fs/online}

        """.write(toFile: repo + "/feature_store.yaml", atomically: true, encoding: .utf8)
        try definitions(extraView: false).write(toFile: repo + "/definitions.yaml", atomically: true, encoding: .utf8)
        for file in 0..<files {
            var text = "driver_id,event_timestamp,value\n"
            for row in rows(of: file) { text += "\(row.driver),\(time(row.second)),\(row.value)\n" }
            try text.write(toFile: repo + "/data/part-\(file).csv", atomically: true, encoding: .utf8)
        }
        var latest = "driver_id,event_timestamp\n"
        for driver in 1...drivers { latest += "\(driver),2027-01-01T00:00:00Z\n" }
        try latest.write(toFile: repo + "/latest.csv", atomically: true, encoding: .utf8)
        var every = "driver_id,event_timestamp\n"
        for file in 0..<files {
            for row in rows(of: file) { every += "\(row.driver),\(time(row.second))\n" }
        }
        try every.write(toFile: repo + "/every.csv", atomically: true, encoding: .utf8)
        return repo
    }

    static func definitions(extraView: Bool) -> String {
        """
        entities:
          - name: driver
            join_keys: [{name: driver_id, value_type: int64}]
        sources:
          - name: stats
            kind: csv
            path: data/part-0.csv
            timestamp_field: event_timestamp
            schema: {driver_id: int64, event_timestamp: timestamp, value: int64}
        \(extraView ? """
          - name: more
            kind: push
            timestamp_field: event_timestamp
            schema: {driver_id: int64, event_timestamp: timestamp, other: int64}
        """ : "")
        feature_views:
          - name: driver_value
            entities: [driver]
            source: stats
            ttl: 0s
            features: [{name: value, type: int64}]
        \(extraView ? """
          - name: driver_more
            entities: [driver]
            source: more
            features: [{name: other, type: int64}]
        """ : "")

        """
    }

    /// The `latest.csv` training set when the files in `committed` are in (and no other).
    static func expectedLatest(committed: Set<Int>) -> String {
        var text = "driver_id,event_timestamp,value\n"
        let newest = committed.max()
        for driver in 1...drivers {
            let value = newest.map { file in rows(of: file).last { $0.driver == driver }!.value }
            text += "\(driver),2027-01-01T00:00:00Z,\(value.map(String.init) ?? "")\n"
        }
        return text
    }

    /// Runs `fs` now, without waiting for a process slot (these processes must overlap).
    static func runAtOnce(_ arguments: [String], environment: [String: String]) async throws -> FSRunner.Result {
        let running = try FSRunner.start(arguments, environment: environment)
        async let stdout = running.readStandardOutput()
        async let stderr = running.readStandardError()
        let output = await (stdout, stderr)
        await running.waitForExit()
        return FSRunner.Result(status: running.process.terminationStatus, stdout: output.0, stderr: output.1)
    }

    static func check(offlineStore: String, environment: [String: String]) async throws {
        let repo = try repo(offlineStore: offlineStore)
        defer { try? FileManager.default.removeItem(atPath: (repo as NSString).deletingLastPathComponent) }
        let apply = try await FSRunner.run(["apply", "--repo", repo], environment: environment)
        try #require(apply.status == 0, "\(apply.stderr)")
        // The possible answers of a training set built while the ingests run: none of the files,
        // or every file up to the newest committed one (later files hold later times).
        let possible = Set((-1..<files).map { newest in expectedLatest(committed: newest < 0 ? [] : [newest]) })
        try await withThrowingTaskGroup(of: [String].self) { group in
            for file in 0..<files {
                group.addTask {
                    let run = try await runAtOnce(
                        ["ingest", "stats", repo + "/data/part-\(file).csv", "--repo", repo], environment: environment)
                    return run.status == 0 ? [] : ["ingest of part-\(file) failed: \(run.stderr)"]
                }
            }
            for reader in 0..<2 {
                group.addTask {
                    var problems: [String] = []
                    for round in 0..<2 {
                        let output = repo + "/training-\(reader)-\(round).csv"
                        let run = try await runAtOnce(
                            [
                                "get-training-set", "--repo", repo, "--spine", repo + "/latest.csv", "--features",
                                "driver_value:value", "--out", output,
                            ], environment: environment)
                        if run.status != 0 {
                            problems.append("training set \(reader)/\(round) failed: \(run.stderr)")
                            continue
                        }
                        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? "(no file)"
                        if !possible.contains(text) {
                            problems.append("training set \(reader)/\(round) matches no committed state:\n\(text)")
                        }
                    }
                    return problems
                }
            }
            group.addTask {
                try definitions(extraView: true).write(
                    toFile: repo + "/definitions.yaml", atomically: true, encoding: .utf8)
                let run = try await runAtOnce(["apply", "--repo", repo], environment: environment)
                return run.status == 0 ? [] : ["apply failed: \(run.stderr)"]
            }
            for try await problems in group {
                for problem in problems { Issue.record("\(problem)") }
            }
        }
        // Every row of every file is in: each is the value at its own time.
        let output = repo + "/every-out.csv"
        let all = try await FSRunner.run(
            [
                "get-training-set", "--repo", repo, "--spine", repo + "/every.csv", "--features", "driver_value:value",
                "--out", output,
            ], environment: environment)
        try #require(all.status == 0, "\(all.stderr)")
        var expected = "driver_id,event_timestamp,value\n"
        for file in 0..<files {
            for row in rows(of: file) { expected += "\(row.driver),\(time(row.second)),\(row.value)\n" }
        }
        let text = try String(contentsOfFile: output, encoding: .utf8)
        #expect(text == expected, "rows were lost or changed")
    }

    @Test func sqlite() async throws {
        try await Self.check(offlineStore: "offline_store: {type: sqlite, path: .fs/offline.db}", environment: [:])
    }

    @Test func postgres() async throws {
        try await withPostgresServer { server in
            try await Self.check(
                offlineStore: server.offlineStoreYAML(schema: "fs_concurrency"), environment: server.environment)
        }
    }
}
