import Foundation
import PostgresTestSupport
import ProcessSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Served-vector logging with `offline_store: {type: postgres}` and the real `fs`: `fs serve`
/// logs lookups and stores outcomes in PostgreSQL, then `fs log show`, `fs consistency`, a training
/// set over the service's `served_log` source and `fs log prune` read and prune it there.
@Suite struct PostgresServedLogEndToEndTests {
    @Test func servedLogOutcomesConsistencyAndPruneOnPostgres() async throws {
        try await withPostgresServer { server in
            let repo = (FSRunner.temporaryDirectory("fs-e2e-pg-log") as NSString).appendingPathComponent("repo")
            let environment = server.environment
            func fs(_ arguments: [String]) async throws -> FSRunner.Result {
                try await FSRunner.run(arguments + ["--repo", repo], environment: environment)
            }
            #expect(try await FSRunner.run(["init", repo, "--no-data"]).status == 0)
            try ServedLogEndToEndTests.yaml.write(toFile: repo + "/push.yaml", atomically: true, encoding: .utf8)
            try ServedLogSourceEndToEndTests.logYAML.write(
                toFile: repo + "/log.yaml", atomically: true, encoding: .utf8)
            try server.useAsOfflineStore(repo: repo, schema: "fs_offline")
            let apply = try await fs(["apply"])
            #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")

            let running = try FSRunner.start(
                ["serve", "--repo", repo, "--port", "0", "--grpc-port", "0", "--no-scheduler"],
                environment: environment)
            defer { if running.process.isRunning { running.process.terminate() } }
            let base = try await ServerEndToEndTests.waitForListening(running)
            func post(_ path: String, _ body: String, request: String? = nil) async throws {
                let answer = try await ServerEndToEndTests.request(
                    base + path, body: body, headers: request.map { ["X-Request-ID": $0] } ?? [:])
                #expect(answer.status == 200, "\(path): \(answer.text)")
            }
            try await post(
                "/push",
                #"{"push_source_name": "driver_events", "to": "online_and_offline", "df": {"driver_id": [1001, 1002], "event_timestamp": ["2026-11-19T10:00:00Z", "2026-11-19T11:00:00Z"], "rating": [4.25, 0.30000000000000004]}}"#
            )
            try await post(
                "/get-online-features",
                #"{"feature_service": "ranking", "entities": {"driver_id": [1001, 1002, 999]}}"#, request: "r-1")
            try await post(
                "/get-online-features", #"{"feature_service": "ranking", "entities": {"driver_id": [1002]}}"#,
                request: "r-2")
            try await post(
                "/log/outcomes",
                #"""
                {"outcomes": [
                  {"request_id": "r-1", "event_timestamp": "2026-11-19T12:00:00Z", "values": {"prediction": 0.8, "label": 0}},
                  {"request_id": "r-2", "event_timestamp": "2026-11-19T12:00:00Z", "values": {"prediction": 1}},
                  {"request_id": "r-1", "event_timestamp": "2026-11-20T09:00:00Z", "values": {"label": 1}},
                  {"request_id": "old", "event_timestamp": "2020-01-01T00:00:00Z", "values": {"label": 1}}
                ]}
                """#)
            // A wrong type is refused whole: nothing of the body is stored.
            let refused = try await ServerEndToEndTests.request(
                base + "/log/outcomes",
                body: #"{"request_id": "r-2", "event_timestamp": "2026-11-21T09:00:00Z", "values": {"label": null}}"#)
            #expect(refused.status == 400, "\(refused.text)")
            await running.stop(SIGTERM)
            #expect(running.process.terminationStatus == 0)
            #expect(!FileManager.default.fileExists(atPath: repo + "/.fs/offline.db"), "a local offline store")

            // fs log show: the rows in the order logged, each with its request's latest outcomes.
            let show = try await fs(["log", "show", "--service", "ranking"])
            #expect(show.status == 0, "\(show.stderr)")
            let logged = try show.stdout.split(separator: "\n").map {
                try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
            #expect(logged.map { $0["driver_id"] as? Int } == [1001, 1002, 999, 1002])
            #expect(logged.map { $0["driver_live__rating"] is NSNull } == [false, false, true, false])
            // The double as stored, to the last digit (Foundation's JSON parser rounds it).
            #expect(
                show.stdout.components(separatedBy: "\"driver_live__rating\":0.30000000000000004,").count == 3,
                "\(show.stdout)")
            #expect(
                logged.map { $0["driver_live__rating__status"] as? String } == [
                    "PRESENT", "PRESENT", "NOT_FOUND", "PRESENT",
                ])
            #expect((logged.first?["__outcomes"] as? [String: Any])?["label"] as? Int == 1)
            #expect((logged.last?["__outcomes"] as? [String: Any])?["prediction"] as? Int == 1)

            // fs consistency: every served value is the offline one (doubles compared exactly).
            let check = try await fs(["consistency", "--service", "ranking"])
            #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
            #expect(check.stdout.contains("driver_live:rating: 4 checked, mismatch 0.0% (0)"), "\(check.stdout)")

            // The log's writes merged the served profiles in PostgreSQL: four values, one null (999).
            let stats = try await fs(["stats", "driver_live:rating", "--source", "served", "--json"])
            #expect(stats.status == 0, "\(stats.stderr)")
            let report = try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any]
            let profile = ((report?["features"] as? [[String: Any]])?.first?["profile"]) as? [String: Any]
            #expect(profile?["count"] as? Int == 4, "\(stats.stdout)")
            #expect(profile?["nulls"] as? Int == 1, "\(stats.stdout)")

            // A training set over the served_log source, read in place in PostgreSQL.
            let spine = try await fs(["log", "spine", "--service", "ranking"])
            #expect(spine.status == 0, "\(spine.stderr)")
            try spine.stdout.write(toFile: repo + "/spine.jsonl", atomically: true, encoding: .utf8)
            let training = try await fs([
                "get-training-set", "--spine", repo + "/spine.jsonl", "--features", "ranking_served:*", "--out",
                repo + "/training.csv",
            ])
            #expect(training.status == 0, "\(training.stderr)")
            let rows = ServedLogSourceEndToEndTests.rows(
                (try? String(contentsOfFile: repo + "/training.csv", encoding: .utf8)) ?? "")
            #expect(rows.map { $0["__request_id"] } == ["r-1", "r-1", "r-1", "r-2"])
            #expect(rows.map { $0["driver_live__rating__status"] } == ["PRESENT", "PRESENT", "NOT_FOUND", "PRESENT"])
            #expect(rows.map { $0["prediction"].flatMap(Double.init) } == [0.8, 0.8, 0.8, 1.0])
            #expect(rows.map { $0["label"] } == ["1", "1", "1", ""])

            // fs log prune: whole days; a row logged three days ago goes, with the old outcome.
            let old = Int64((Date().timeIntervalSince1970 - 3 * 86_400) * 1_000_000)
            try await server.execute([
                "INSERT INTO fs_offline.served_log_ranking (driver_id, __log_timestamp, __request_id, __service_version) VALUES (5, \(old), 'old', 1)"
            ])
            #expect(try await fs(["log", "show", "--service", "ranking"]).stdout.split(separator: "\n").count == 5)
            let prune = try await fs(["log", "prune", "--older-than", "1d"])
            #expect(prune.status == 0, "\(prune.stderr)")
            #expect(prune.stdout.contains("Deleted 1 rows logged before "), "\(prune.stdout)")
            // Every outcome posted has an event time before that midnight.
            #expect(prune.stdout.contains("Deleted 5 outcome values before "), "\(prune.stdout)")
            let after = try await fs(["log", "show", "--service", "ranking"])
            #expect(after.stdout.split(separator: "\n").count == 4, "\(after.stdout)")
        }
    }
}
