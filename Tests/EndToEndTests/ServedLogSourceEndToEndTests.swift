import Foundation
import ProcessSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The next training set from what the model saw, with the real `fs`: serve a logging service,
/// look up, post outcomes, stop, then `fs log spine` and `fs get-training-set` over a view on the
/// service's `served_log` source.
@Suite struct ServedLogSourceEndToEndTests {
    static let logYAML = """
        sources:
          - name: ranking_log
            kind: served_log
            service: ranking
            schema: {prediction: float64, label: int64}
        feature_views:
          - name: ranking_served
            entities: [driver]
            source: ranking_log
            ttl: 1h
            online: false
            features: [driver_live__rating, driver_live__rating__status, prediction, label]

        """

    /// A CSV without quoted fields, as rows of name to field.
    static func rows(_ csv: String) -> [[String: String]] {
        let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        guard let header = lines.first?.map(String.init) else { return [] }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0.map(String.init))) }
    }

    @Test func trainingSetFromTheServedLogWithItsOutcomes() throws {
        let repo = (FSRunner.temporaryDirectory("fs-e2e-log-source") as NSString).appendingPathComponent("repo")
        #expect(try FSRunner.run(["init", repo, "--no-data"]).status == 0)
        try ServedLogEndToEndTests.yaml.write(toFile: repo + "/push.yaml", atomically: true, encoding: .utf8)
        try Self.logYAML.write(toFile: repo + "/log.yaml", atomically: true, encoding: .utf8)
        let apply = try FSRunner.run(["apply", "--repo", repo])
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        let server = try FSRunner.start(["serve", "--repo", repo, "--port", "0", "--grpc-port", "0", "--no-scheduler"])
        defer { if server.process.isRunning { server.process.terminate() } }
        let base = try ServerEndToEndTests.waitForListening(server)

        func post(_ path: String, _ body: String, request: String? = nil) throws {
            let answer = try ServerEndToEndTests.request(
                base + path, body: body, headers: request.map { ["X-Request-ID": $0] } ?? [:])
            #expect(answer.status == 200, "\(path): \(answer.text)")
        }
        let events = "\"event_timestamp\": [\"2026-11-19T10:00:00Z\", \"2026-11-19T11:00:00Z\"]"
        try post(
            "/push",
            #"{"push_source_name": "driver_events", "df": {"driver_id": [1001, 1002], \#(events), "rating": [4.25, 3.5]}}"#
        )
        try post(
            "/get-online-features", #"{"feature_service": "ranking", "entities": {"driver_id": [1001, 1002, 999]}}"#,
            request: "r-1")
        // The model sees 1001's new rating in the second request.
        try post(
            "/push",
            #"{"push_source_name": "driver_events", "df": {"driver_id": [1001], "event_timestamp": ["2026-11-19T12:00:00Z"], "rating": [5.0]}}"#
        )
        try post(
            "/get-online-features", #"{"feature_service": "ranking", "entities": {"driver_id": [1001]}}"#,
            request: "r-2")
        // Outcomes: predictions at once, labels later; a revised label (the latest event time
        // wins), an int prediction in a float64 column, and a request that was never logged.
        try post(
            "/log/outcomes",
            #"""
            {"outcomes": [
              {"request_id": "r-1", "event_timestamp": "2026-11-19T12:00:00Z", "values": {"prediction": 0.8, "label": 0}},
              {"request_id": "r-2", "event_timestamp": "2026-11-19T12:00:00Z", "values": {"prediction": 1}},
              {"request_id": "r-1", "event_timestamp": "2026-11-20T09:00:00Z", "values": {"label": 1}},
              {"request_id": "r-9", "event_timestamp": "2026-11-20T09:00:00Z", "values": {"label": 1}}
            ]}
            """#)
        try post(
            "/log/outcomes",
            #"{"request_id": "r-2", "event_timestamp": "2026-11-21T09:00:00Z", "values": {"label": 0}}"#)
        kill(server.process.processIdentifier, SIGTERM)
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 0)

        let spine = try FSRunner.run(["log", "spine", "--service", "ranking", "--repo", repo])
        #expect(spine.status == 0, "\(spine.stderr)")
        #expect(spine.stdout.split(separator: "\n").count == 4)
        try spine.stdout.write(toFile: repo + "/spine.jsonl", atomically: true, encoding: .utf8)
        let training = try FSRunner.run([
            "get-training-set", "--repo", repo, "--spine", repo + "/spine.jsonl", "--features", "ranking_served:*",
            "--out", repo + "/training.csv",
        ])
        #expect(training.status == 0, "\(training.stderr)")
        let csv = try String(contentsOfFile: repo + "/training.csv", encoding: .utf8)
        let rows = Self.rows(csv)
        #expect(rows.count == 4, "\(csv)")
        guard rows.count == 4 else { return }
        #expect(rows.map { $0["driver_id"] } == ["1001", "1002", "999", "1001"])
        #expect(rows.map { $0["__request_id"] } == ["r-1", "r-1", "r-1", "r-2"])
        #expect(rows.allSatisfy { !($0["event_timestamp"] ?? "").isEmpty })
        #expect(rows.map { $0["driver_live__rating"].flatMap(Double.init) } == [4.25, 3.5, nil, 5.0])
        #expect(rows.map { $0["driver_live__rating__status"] } == ["PRESENT", "PRESENT", "NOT_FOUND", "PRESENT"])
        #expect(rows.map { $0["prediction"].flatMap(Double.init) } == [0.8, 0.8, 0.8, 1.0])
        #expect(rows.map { $0["label"] } == ["1", "1", "1", "0"])

        // The log is read in place: nothing to ingest, and a view over it is never online.
        let ingest = try FSRunner.run(["ingest", "ranking_log", repo + "/spine.jsonl", "--repo", repo])
        #expect(ingest.status != 0)
        #expect(ingest.stderr.contains("source 'ranking_log' is of kind served_log"), "\(ingest.stderr)")
        let materialize = try FSRunner.run([
            "materialize", "2026-11-19T00:00:00Z", "2026-11-20T00:00:00Z", "--views", "ranking_served", "--repo", repo,
        ])
        #expect(materialize.status != 0)
        #expect(materialize.stderr.contains("'ranking_served' has `online: false`"), "\(materialize.stderr)")
    }
}
