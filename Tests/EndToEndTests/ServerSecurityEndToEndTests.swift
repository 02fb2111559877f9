import Foundation
import ProcessSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `fs serve` with `auth:` as a real process: tokens from the environment, roles, the cron
/// hand-over with `FS_TOKEN`, and what it says at start.
@Suite struct ServerSecurityEndToEndTests {
    static let pipeline = "pipeline-e2e-secret-0123456789"
    static let trainer = "trainer-e2e-secret-0123456789"
    static let auth = """

        auth:
          type: token
          tokens:
            - {name: pipeline, token_env: FS_TOKEN_PIPELINE, roles: [read, write, admin]}
            - {name: trainer, token_env: FS_TOKEN_TRAINER, roles: [read]}
        """

    /// A demo repo with a push source, applied, optionally with `auth:`.
    static func repo(auth: Bool) async throws -> String {
        let repo = (FSRunner.temporaryDirectory() as NSString).appendingPathComponent("repo")
        #expect(try await FSRunner.run(["init", repo, "--no-data"]).status == 0)
        try ServerEndToEndTests.pushYAML.write(toFile: repo + "/push.yaml", atomically: true, encoding: .utf8)
        if auth {
            let handle = try #require(FileHandle(forWritingAtPath: repo + "/feature_store.yaml"))
            handle.seekToEndOfFile()
            handle.write(Data(Self.auth.utf8))
            try handle.close()
        }
        let apply = try await FSRunner.run(["apply", "--repo", repo])
        #expect(apply.status == 0, "\(apply.stderr)")
        return repo
    }

    static let environment = ["FS_TOKEN_PIPELINE": pipeline, "FS_TOKEN_TRAINER": trainer]
    static let push =
        #"{"push_source_name": "driver_events", "df": {"driver_id": [1001], "event_timestamp": ["2026-11-19T10:00:00Z"], "rating": [4.25]}}"#

    static func stop(_ server: FSRunner.Running) async -> String {
        await server.stop(SIGTERM)
        return await server.readStandardError()
    }

    @Test func tokensAndRolesGuardTheRealServer() async throws {
        let repo = try await Self.repo(auth: true)
        let server = try FSRunner.start(
            ["serve", "--repo", repo, "--port", "0", "--grpc-port", "0", "--no-scheduler"],
            environment: Self.environment)
        defer { if server.process.isRunning { server.process.terminate() } }
        let base = try await ServerEndToEndTests.waitForListening(server)

        #expect(try await ServerEndToEndTests.request(base + "/push", body: Self.push).status == 401)
        let denied = try await ServerEndToEndTests.request(
            base + "/push", body: Self.push, headers: ["Authorization": "Bearer \(Self.trainer)"])
        #expect(denied.status == 403)
        #expect(denied.text.contains("token 'trainer'"))
        let pushed = try await ServerEndToEndTests.request(
            base + "/push", body: Self.push, headers: ["Authorization": "Bearer \(Self.pipeline)"])
        #expect(pushed.status == 200, "\(pushed.text)")
        let read = try await ServerEndToEndTests.request(
            base + "/get-online-features",
            body: #"{"features": ["driver_live:rating"], "entities": {"driver_id": [1001]}}"#,
            headers: ["Authorization": "Bearer \(Self.trainer)"])
        #expect(read.status == 200)
        #expect(read.text.contains("4.25"))
        #expect(try await ServerEndToEndTests.request(base + "/health").status == 200)

        // Cron hands the materialization to the server: with FS_TOKEN (admin) only.
        let refused = try await FSRunner.run(["materialize-incremental", "now", "--repo", repo])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("HTTP 401"), "\(refused.stderr)")
        #expect(refused.stderr.contains("FS_TOKEN"), "\(refused.stderr)")
        let cron = try await FSRunner.run(
            ["materialize-incremental", "now", "--repo", repo], environment: ["FS_TOKEN": Self.pipeline])
        #expect(cron.status == 0, "\(cron.stderr)")

        let stderr = await Self.stop(server)
        #expect(server.process.terminationStatus == 0)
        #expect(!stderr.contains(Self.pipeline) && !stderr.contains(Self.trainer), "\(stderr)")
        #expect(!stderr.contains("authentication is off"), "\(stderr)")
    }

    @Test func aMissingSecretStopsTheStartNamingTheVariable() async throws {
        let repo = try await Self.repo(auth: true)
        let result = try await FSRunner.run(
            ["serve", "--repo", repo, "--port", "0", "--no-scheduler"], environment: ["FS_TOKEN_TRAINER": Self.trainer])
        #expect(result.status == 1)
        #expect(result.stderr.contains("FS_TOKEN_PIPELINE is not set"), "\(result.stderr)")
    }

    /// Without `auth:` on a non-loopback address the server starts, with one warning line.
    @Test func aWildcardBindWithoutAuthWarnsOnce() async throws {
        let repo = try await Self.repo(auth: false)
        let server = try FSRunner.start([
            "serve", "--repo", repo, "--host", "0.0.0.0", "--port", "0", "--grpc-port", "0", "--no-scheduler",
        ])
        defer { if server.process.isRunning { server.process.terminate() } }
        let base = try await ServerEndToEndTests.waitForListening(server)
        let port = try #require(base.split(separator: ":").last)
        #expect(try await ServerEndToEndTests.request("http://127.0.0.1:\(port)/health").status == 200)
        let stderr = await Self.stop(server)
        let warnings = stderr.split(separator: "\n").filter { $0.contains("authentication is off") }
        #expect(warnings.count == 1, "\(stderr)")
        #expect(warnings.first?.contains("warning") == true)
        #expect(warnings.first?.contains("0.0.0.0") == true)
    }
}
