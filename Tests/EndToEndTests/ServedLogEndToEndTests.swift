import Foundation
import ProcessSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `fs serve` with a logging feature service, as a real process: lookups and outcomes, then
/// SIGTERM (the queue is flushed) or kill -9 (whole batches only), read back with `fs log show`.
@Suite struct ServedLogEndToEndTests {
    static let yaml =
        ServerEndToEndTests.pushYAML + """
            feature_services:
              - name: ranking
                features: ["driver_live:rating"]
                logging: {sample_rate: 1, sample_by: request}

            """

    /// A repo with the push view and the logging service, applied, and a server over it.
    static func serve() async throws -> (repo: String, server: FSRunner.Running, base: String) {
        let repo = (FSRunner.temporaryDirectory("fs-e2e-log") as NSString).appendingPathComponent("repo")
        #expect(try await FSRunner.run(["init", repo, "--no-data"]).status == 0)
        try yaml.write(toFile: repo + "/push.yaml", atomically: true, encoding: .utf8)
        let apply = try await FSRunner.run(["apply", "--repo", repo])
        #expect(apply.status == 0, "\(apply.stderr)")
        let server = try FSRunner.start(["serve", "--repo", repo, "--port", "0", "--grpc-port", "0", "--no-scheduler"])
        return (repo, server, try await ServerEndToEndTests.waitForListening(server))
    }

    /// `fs log show --service ranking`, one decoded object per line.
    static func logged(_ repo: String) async throws -> [[String: Any]] {
        let show = try await FSRunner.run(["log", "show", "--service", "ranking", "--repo", repo])
        #expect(show.status == 0, "\(show.stderr)")
        return try show.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test func sigtermFlushesTheLogAndOutcomesJoinByRequestID() async throws {
        let (repo, server, base) = try await Self.serve()
        defer { if server.process.isRunning { server.process.terminate() } }
        let push = try await ServerEndToEndTests.request(
            base + "/push",
            body:
                #"{"push_source_name": "driver_events", "df": {"driver_id": [1001, 1002], "event_timestamp": ["2026-11-19T10:00:00Z", "2026-11-19T11:00:00Z"], "rating": [4.25, 3.5]}}"#
        )
        #expect(push.status == 200, "\(push.text)")
        let lookup = #"{"feature_service": "ranking", "entities": {"driver_id": [1001, 1002, 999]}}"#
        #expect(
            try await ServerEndToEndTests.request(
                base + "/get-online-features", body: lookup, headers: ["X-Request-ID": "e2e-1"]
            ).status == 200)
        let second = #"{"feature_service": "ranking", "entities": {"driver_id": [1002]}}"#
        #expect(
            try await ServerEndToEndTests.request(
                base + "/get-online-features", body: second, headers: ["X-Request-ID": "e2e-2"]
            ).status == 200)
        let outcomes = try await ServerEndToEndTests.request(
            base + "/log/outcomes",
            body: #"""
                {"outcomes": [
                  {"request_id": "e2e-1", "event_timestamp": "2026-11-19T12:00:00Z", "values": {"prediction": 0.8, "label": 0}},
                  {"request_id": "e2e-1", "event_timestamp": "2026-11-19T13:00:00Z", "values": {"label": 1}}
                ]}
                """#)
        #expect(outcomes.status == 200, "\(outcomes.text)")

        await server.stop(SIGTERM)
        #expect(server.process.terminationStatus == 0)

        let rows = try await Self.logged(repo)
        #expect(rows.count == 4)
        guard rows.count == 4 else { return }
        #expect(rows.map { $0["driver_id"] as? Int } == [1001, 1002, 999, 1002])
        #expect(rows.map { $0["__request_id"] as? String } == ["e2e-1", "e2e-1", "e2e-1", "e2e-2"])
        #expect(rows.map { $0["driver_live__rating"] as? Double } == [4.25, 3.5, nil, 3.5])
        #expect(
            rows.map { $0["driver_live__rating__status"] as? String } == ["PRESENT", "PRESENT", "NOT_FOUND", "PRESENT"])
        #expect(rows[0]["driver_live__rating__timestamp"] as? String == "2026-11-19T10:00:00Z")
        #expect(rows.allSatisfy { ($0["__service_version"] as? Int) == 1 && $0["__log_timestamp"] is String })
        // The latest outcome of each name, by event time.
        let joined = rows[0]["__outcomes"] as? [String: Any]
        #expect(joined?["prediction"] as? Double == 0.8)
        #expect(joined?["label"] as? Int == 1)
        #expect((rows[3]["__outcomes"] as? [String: Any])?.isEmpty == true)

        // Pruning keeps whole days: today's rows stay.
        let prune = try await FSRunner.run([
            "log", "prune", "--older-than", "1d", "--service", "ranking", "--repo", repo,
        ])
        #expect(prune.status == 0, "\(prune.stderr)")
        #expect(prune.stdout.hasPrefix("Deleted 0 rows logged before "), "\(prune.stdout)")
        #expect(try await Self.logged(repo).count == 4)
        #expect(try await FSRunner.run(["log", "prune", "--older-than", "soon", "--repo", repo]).status != 0)
    }

    @Test func killMinus9LosesOnlyWholeBatches() async throws {
        let (repo, server, base) = try await Self.serve()
        defer { if server.process.isRunning { server.process.terminate() } }
        // 30 lookups of 100 drivers each, then kill -9 at once: rows still queued are lost, but
        // what was written is whole batches, so exactly the first rows sent, in order, complete.
        let ids = (0..<100).map(String.init).joined(separator: ", ")
        for number in 0..<30 {
            let answer = try await ServerEndToEndTests.request(
                base + "/get-online-features",
                body: #"{"feature_service": "ranking", "entities": {"driver_id": [\#(ids)]}}"#,
                headers: ["X-Request-ID": "k-\(number)"])
            #expect(answer.status == 200)
        }
        await server.stop(SIGKILL)
        #expect(server.process.terminationReason == .uncaughtSignal)

        let rows = try await Self.logged(repo)
        #expect(rows.count <= 3_000)
        for (index, row) in rows.enumerated() {
            #expect(row["driver_id"] as? Int == index % 100)
            #expect(row["__request_id"] as? String == "k-\(index / 100)")
            #expect(row["driver_live__rating__status"] as? String == "NOT_FOUND")
        }
    }
}
