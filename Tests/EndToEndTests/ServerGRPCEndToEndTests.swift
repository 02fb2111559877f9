import FeastProtos
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import ProcessSupport
import SwiftProtobuf
import Testing

/// `fs serve` as a real process with its gRPC server: lookups and health over gRPC beside HTTP,
/// a clean SIGTERM, a taken port and `--no-grpc`.
@Suite struct ServerGRPCEndToEndTests {
    /// Starts `fs serve` (HTTP and gRPC on free ports) on a fresh repo with the push view of
    /// ``ServerEndToEndTests``; returns the process, the HTTP base URL and the gRPC port.
    static func start(extra: [String] = []) async throws -> (
        FSRunner.Running, repo: String, http: String, grpcPort: Int
    ) {
        let repo = (FSRunner.temporaryDirectory() as NSString).appendingPathComponent("repo")
        #expect(try await FSRunner.run(["init", repo, "--no-data"]).status == 0)
        try ServerEndToEndTests.pushYAML.write(toFile: repo + "/push.yaml", atomically: true, encoding: .utf8)
        #expect(try await FSRunner.run(["apply", "--repo", repo]).status == 0)
        let server = try FSRunner.start(
            ["serve", "--repo", repo, "--port", "0", "--grpc-port", "0", "--no-scheduler"] + extra)
        let (lines, _) = try await waitForLines(
            server, prefixes: ["fs serve listening on ", "fs serve gRPC listening on "])
        let target = lines[1]
        let port = try #require(target.split(separator: ":").last.flatMap { Int($0) })
        #expect(target.hasPrefix("127.0.0.1:"))
        return (server, repo, lines[0], port)
    }

    /// Reads stdout until a line with each prefix has appeared; returns the rest of each line and
    /// all the text read.
    static func waitForLines(_ server: FSRunner.Running, prefixes: [String]) async throws -> ([String], String) {
        let text = await server.readStandardOutput { lines(in: $0, prefixes: prefixes) != nil }
        if let found = lines(in: text, prefixes: prefixes) { return (found, text) }
        let stderr = await server.readStandardError()
        Issue.record("fs serve did not print \(prefixes): \(text) \(stderr)")
        throw CancellationError()
    }

    /// The rest of the first line with each prefix in `text`, once there is one for every prefix.
    static func lines(in text: String, prefixes: [String]) -> [String]? {
        let lines = text.split(separator: "\n")
        var found: [String] = []
        for prefix in prefixes {
            guard let line = lines.first(where: { $0.hasPrefix(prefix) }) else { return nil }
            found.append(String(line.dropFirst(prefix.count)))
        }
        return found
    }

    @Test func grpcServesLookupsAndHealthBesideHTTPAndStopsCleanly() async throws {
        let (server, repo, http, port) = try await Self.start()
        defer { if server.process.isRunning { server.process.terminate() } }
        let push = try await ServerEndToEndTests.request(
            http + "/push",
            body:
                #"{"push_source_name": "driver_events", "df": {"driver_id": [1001], "event_timestamp": ["2026-11-19T10:00:00Z"], "rating": [4.25]}}"#
        )
        #expect(push.status == 200, "\(push.text)")

        try await withGRPCClient(
            transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
        ) { client in
            let serving = Feast_Serving_ServingService.Client(wrapping: client)
            let answer = try await serving.getOnlineFeatures(
                .with {
                    $0.features = .with { $0.val = ["driver_live:rating"] }
                    $0.entities["driver_id"] = .with {
                        $0.val = [.with { $0.int64Val = 1001 }, .with { $0.int64Val = 7 }]
                    }
                })
            #expect(answer.metadata.featureNames.val == ["driver_id", "rating"])
            #expect(answer.results[1].values.first?.doubleVal == 4.25)
            #expect(answer.results[1].statuses == [.present, .notFound])
            let info = try await serving.getFeastServingInfo(.init())
            #expect(info.version.hasPrefix("fs "))
            let health = try await Grpc_Health_V1_Health.Client(wrapping: client).check(.with { $0.service = "" })
            #expect(health.status == .serving)
        }
        let metrics = try await ServerEndToEndTests.request(http + "/metrics")
        #expect(
            metrics.text.contains(
                #"fs_grpc_requests_total{method="feast.serving.ServingService/GetOnlineFeatures",code="OK",token="anonymous"} 1"#
            ))

        await server.stop(SIGTERM)
        #expect(server.process.terminationReason == .exit)
        #expect(server.process.terminationStatus == 0)
        #expect(!FileManager.default.fileExists(atPath: repo + "/.fs/online.server"))
        let stderr = await server.readStandardError()
        #expect(!stderr.contains("error"), "\(stderr)")
    }

    @Test func aTakenGRPCPortStopsTheServerWithAMessage() async throws {
        let (first, _, _, port) = try await Self.start()
        defer { if first.process.isRunning { first.process.terminate() } }
        let repo = (FSRunner.temporaryDirectory() as NSString).appendingPathComponent("repo")
        #expect(try await FSRunner.run(["init", repo, "--no-data"]).status == 0)
        #expect(try await FSRunner.run(["apply", "--repo", repo]).status == 0)
        let second = try await FSRunner.run([
            "serve", "--repo", repo, "--port", "0", "--grpc-port", String(port), "--no-scheduler",
        ])
        #expect(second.status == 1)
        #expect(second.stderr.contains("cannot serve gRPC on 127.0.0.1:\(port)"), "\(second.stderr)")
        #expect(second.stderr.contains("--no-grpc"))
        // The online store was released: the repo is usable again.
        #expect(try await FSRunner.run(["materialize-incremental", "now", "--repo", repo]).status == 0)
    }

    @Test func noGRPCServesHTTPOnly() async throws {
        let repo = (FSRunner.temporaryDirectory() as NSString).appendingPathComponent("repo")
        #expect(try await FSRunner.run(["init", repo, "--no-data"]).status == 0)
        #expect(try await FSRunner.run(["apply", "--repo", repo]).status == 0)
        let server = try FSRunner.start(["serve", "--repo", repo, "--port", "0", "--no-grpc", "--no-scheduler"])
        defer { if server.process.isRunning { server.process.terminate() } }
        let (lines, read) = try await Self.waitForLines(server, prefixes: ["fs serve listening on "])
        #expect(try await ServerEndToEndTests.request(lines[0] + "/health").status == 200)
        await server.stop(SIGTERM)
        #expect(server.process.terminationStatus == 0)
        let rest = await server.readStandardOutput()
        #expect(!(read + rest).contains("gRPC"), "\(read + rest)")
    }

    @Test func theGRPCPortMustDifferFromTheHTTPPort() async throws {
        let result = try await FSRunner.run(["serve", "--port", "7000", "--grpc-port", "7000"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--grpc-port 7000 is also the HTTP --port"), "\(result.stderr)")
    }
}
