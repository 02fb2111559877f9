import Foundation
import ProcessSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `fs serve` as a real process: start on a free port, push, read back, metrics, a cron
/// `fs materialize-incremental` handed to it, then SIGTERM and a clean exit.
@Suite struct ServerEndToEndTests {
    static let pushYAML = """
        sources:
          - name: driver_events
            kind: push
            timestamp_field: event_timestamp
            schema:
              driver_id: int64
              event_timestamp: timestamp
              rating: float64

        feature_views:
          - name: driver_live
            entities: [driver]
            source: driver_events
            features:
              - name: rating
                type: float64

        """

    @Test func servepushLookupMetricsForwardAndStop() throws {
        let repo = (FSRunner.temporaryDirectory() as NSString).appendingPathComponent("repo")
        #expect(try FSRunner.run(["init", repo, "--no-data"]).status == 0)
        try Self.pushYAML.write(toFile: repo + "/push.yaml", atomically: true, encoding: .utf8)
        let apply = try FSRunner.run(["apply", "--repo", repo])
        #expect(apply.status == 0, "\(apply.stderr)")

        let server = try FSRunner.start(["serve", "--repo", repo, "--port", "0", "--grpc-port", "0", "--no-scheduler"])
        defer { if server.process.isRunning { server.process.terminate() } }
        let base = try Self.waitForListening(server)
        #expect(base.hasPrefix("http://127.0.0.1:"))
        #expect(FileManager.default.fileExists(atPath: repo + "/.fs/online.server"))

        let health = try Self.request(base + "/health")
        #expect(health.status == 200)

        let push = try Self.request(
            base + "/push",
            body:
                #"{"push_source_name": "driver_events", "df": {"driver_id": [1001], "event_timestamp": ["2026-11-19T10:00:00Z"], "rating": [4.25]}}"#
        )
        #expect(push.status == 200, "\(push.text)")

        let lookup = try Self.request(
            base + "/get-online-features",
            body: #"{"features": ["driver_live:rating"], "entities": {"driver_id": [1001]}}"#)
        #expect(lookup.status == 200)
        let json = try JSONSerialization.jsonObject(with: Data(lookup.text.utf8)) as? [String: Any]
        let results = json?["results"] as? [[String: Any]]
        #expect((results?[1]["values"] as? [Any])?.first as? Double == 4.25)
        #expect((results?[1]["statuses"] as? [String]) == ["PRESENT"])

        // The server holds the online store: a cron materialization is handed to it.
        let cron = try FSRunner.run(["materialize-incremental", "now", "--repo", repo, "--json"])
        #expect(cron.status == 0, "\(cron.stderr)")
        #expect(cron.stderr.contains("the materialization runs there"))
        #expect(cron.stdout.contains("driver_hourly_stats"))

        // A bad job fails the command with a message naming what is wrong, server or not.
        let refused = try FSRunner.run(["materialize-incremental", "now", "--repo", repo, "--views", "nope"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("'nope'"), "\(refused.stderr)")

        let metrics = try Self.request(base + "/metrics")
        #expect(metrics.text.contains(#"fs_push_rows_total{source="driver_events",to="online"} 1"#))
        #expect(
            metrics.text.contains(
                #"fs_http_requests_total{endpoint="/materialize-incremental",status="200",token="anonymous"} 1"#))

        kill(server.process.processIdentifier, SIGTERM)
        server.process.waitUntilExit()
        #expect(server.process.terminationReason == .exit)
        #expect(server.process.terminationStatus == 0)
        #expect(!FileManager.default.fileExists(atPath: repo + "/.fs/online.server"))
        let stderr = String(
            decoding: server.standardErrorPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(!stderr.contains("error"), "\(stderr)")
        // The online store is free again and kept the pushed row.
        let read = try FSRunner.run([
            "get-online-features", "--repo", repo, "--features", "driver_live:rating", "--entity", "driver_id=1001",
            "--json",
        ])
        #expect(read.status == 0, "\(read.stderr)")
        #expect(read.stdout.contains("4.25"))
    }

    /// Reads the server's stdout until its `listening on` line; returns the base URL.
    static func waitForListening(_ server: FSRunner.Running) throws -> String {
        let handle = server.standardOutputPipe.fileHandleForReading
        var text = ""
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("fs serve listening on ") }) {
                return String(line.dropFirst("fs serve listening on ".count))
            }
        }
        let stderr = String(
            decoding: server.standardErrorPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        Issue.record("fs serve did not start: \(text) \(stderr)")
        throw CancellationError()
    }

    /// One HTTP request, waited for (GET without a body, POST with one).
    static func request(_ url: String, body: String? = nil, headers: [String: String] = [:]) throws -> (
        status: Int, text: String
    ) {
        final class Outcome: @unchecked Sendable {
            var status = 0
            var data = Data()
        }
        var request = URLRequest(url: URL(string: url)!)
        if let body {
            request.httpMethod = "POST"
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, _ in
            outcome.status = (response as? HTTPURLResponse)?.statusCode ?? 0
            outcome.data = data ?? Data()
            done.signal()
        }.resume()
        done.wait()
        return (outcome.status, String(decoding: outcome.data, as: UTF8.self))
    }
}
