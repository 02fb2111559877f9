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

    @Test func servepushLookupMetricsForwardAndStop() async throws {
        let repo = (FSRunner.temporaryDirectory() as NSString).appendingPathComponent("repo")
        #expect(try await FSRunner.run(["init", repo, "--no-data"]).status == 0)
        try Self.pushYAML.write(toFile: repo + "/push.yaml", atomically: true, encoding: .utf8)
        let apply = try await FSRunner.run(["apply", "--repo", repo])
        #expect(apply.status == 0, "\(apply.stderr)")

        let server = try FSRunner.start(["serve", "--repo", repo, "--port", "0", "--grpc-port", "0", "--no-scheduler"])
        defer { if server.process.isRunning { server.process.terminate() } }
        let base = try await Self.waitForListening(server)
        #expect(base.hasPrefix("http://127.0.0.1:"))
        #expect(FileManager.default.fileExists(atPath: repo + "/.fs/online.server"))

        let health = try await Self.request(base + "/health")
        #expect(health.status == 200)

        let push = try await Self.request(
            base + "/push",
            body:
                #"{"push_source_name": "driver_events", "df": {"driver_id": [1001], "event_timestamp": ["2026-11-19T10:00:00Z"], "rating": [4.25]}}"#
        )
        #expect(push.status == 200, "\(push.text)")

        let lookup = try await Self.request(
            base + "/get-online-features",
            body: #"{"features": ["driver_live:rating"], "entities": {"driver_id": [1001]}}"#)
        #expect(lookup.status == 200)
        let json = try JSONSerialization.jsonObject(with: Data(lookup.text.utf8)) as? [String: Any]
        let results = json?["results"] as? [[String: Any]]
        #expect((results?[1]["values"] as? [Any])?.first as? Double == 4.25)
        #expect((results?[1]["statuses"] as? [String]) == ["PRESENT"])

        // The server holds the online store: a cron materialization is handed to it.
        let cron = try await FSRunner.run(["materialize-incremental", "now", "--repo", repo, "--json"])
        #expect(cron.status == 0, "\(cron.stderr)")
        #expect(cron.stderr.contains("the materialization runs there"))
        #expect(cron.stdout.contains("driver_hourly_stats"))

        // A bad job fails the command with a message naming what is wrong, server or not.
        let refused = try await FSRunner.run(["materialize-incremental", "now", "--repo", repo, "--views", "nope"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("'nope'"), "\(refused.stderr)")

        let metrics = try await Self.request(base + "/metrics")
        #expect(metrics.text.contains(#"fs_push_rows_total{source="driver_events",to="online"} 1"#))
        #expect(
            metrics.text.contains(
                #"fs_http_requests_total{endpoint="/materialize-incremental",status="200",token="anonymous"} 1"#))

        await server.stop(SIGTERM)
        #expect(server.process.terminationReason == .exit)
        #expect(server.process.terminationStatus == 0)
        #expect(!FileManager.default.fileExists(atPath: repo + "/.fs/online.server"))
        let stderr = await server.readStandardError()
        #expect(!stderr.contains("error"), "\(stderr)")
        // The online store is free again and kept the pushed row.
        let read = try await FSRunner.run([
            "get-online-features", "--repo", repo, "--features", "driver_live:rating", "--entity", "driver_id=1001",
            "--json",
        ])
        #expect(read.status == 0, "\(read.stderr)")
        #expect(read.stdout.contains("4.25"))
    }

    /// Reads the server's stdout until its `listening on` line; returns the base URL. Blocks the
    /// calling thread: for synchronous callers (async ones get the overload below).
    static func waitForListening(_ server: FSRunner.Running) throws -> String {
        let handle = server.standardOutputPipe.fileHandleForReading
        var text = ""
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
            if let base = listeningBase(in: text) { return base }
        }
        let stderr = String(
            decoding: server.standardErrorPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        Issue.record("fs serve did not start: \(text) \(stderr)")
        throw CancellationError()
    }

    /// Reads the server's stdout until its `listening on` line; returns the base URL.
    static func waitForListening(_ server: FSRunner.Running) async throws -> String {
        let text = await server.readStandardOutput { listeningBase(in: $0) != nil }
        if let base = listeningBase(in: text) { return base }
        let stderr = await server.readStandardError()
        Issue.record("fs serve did not start: \(text) \(stderr)")
        throw CancellationError()
    }

    /// The base URL of the `fs serve listening on` line in `text`, once the line is there.
    static func listeningBase(in text: String) -> String? {
        let prefix = "fs serve listening on "
        let line = text.split(separator: "\n").first { $0.hasPrefix(prefix) }
        return line.map { String($0.dropFirst(prefix.count)) }
    }

    /// One HTTP request, waited for (GET without a body, POST with one). Blocks the calling thread:
    /// for synchronous callers (async ones get the overload below).
    static func request(_ url: String, body: String? = nil, headers: [String: String] = [:]) throws -> (
        status: Int, text: String
    ) {
        final class Outcome: @unchecked Sendable {
            var status = 0
            var data = Data()
        }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: urlRequest(url, body: body, headers: headers)) { data, response, _ in
            outcome.status = (response as? HTTPURLResponse)?.statusCode ?? 0
            outcome.data = data ?? Data()
            done.signal()
        }.resume()
        done.wait()
        return (outcome.status, String(decoding: outcome.data, as: UTF8.self))
    }

    /// One HTTP request, awaited (GET without a body, POST with one); status 0 when no answer came.
    static func request(_ url: String, body: String? = nil, headers: [String: String] = [:]) async throws -> (
        status: Int, text: String
    ) {
        let request = urlRequest(url, body: body, headers: headers)
        let (status, data) = await withCheckedContinuation { continuation in
            URLSession.shared.dataTask(with: request) { data, response, _ in
                continuation.resume(returning: ((response as? HTTPURLResponse)?.statusCode ?? 0, data ?? Data()))
            }.resume()
        }
        return (status, String(decoding: data, as: UTF8.self))
    }

    static func urlRequest(_ url: String, body: String?, headers: [String: String]) -> URLRequest {
        var request = URLRequest(url: URL(string: url)!)
        if let body {
            request.httpMethod = "POST"
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        return request
    }
}
