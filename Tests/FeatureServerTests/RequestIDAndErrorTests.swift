import FeatureStoreKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import FeatureServer

/// Every answer carries `X-Request-ID` (the caller's, or a new one); a 500 tells the client only
/// that id, and the log has the details under it.
@Suite struct RequestIDAndErrorTests {
    @Test func everyAnswerCarriesARequestID() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            let health = try await client.get("/health")
            let first = health.headers[.init("X-Request-ID")!]
            #expect(first?.isEmpty == false)
            let again = try await client.get("/health")
            #expect(again.headers[.init("X-Request-ID")!] != first)
            let error = try await client.post("/get-online-features", "{}")
            #expect(error.status == 400)
            #expect(error.headers[.init("X-Request-ID")!] == error.errorRequestID)
            let missing = try await client.get("/nope")
            #expect(missing.status == 404)
            #expect(missing.errorRequestID != nil)
        }
    }

    @Test func theCallersRequestIDIsKept() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            let kept = try await client.get("/health", headers: [.init("X-Request-ID")!: "trace-42.abc"])
            #expect(kept.headers[.init("X-Request-ID")!] == "trace-42.abc")
            let error = try await client.post(
                "/push", "{", headers: [.init("X-Request-ID")!: "my-request"])
            #expect(error.errorRequestID == "my-request")
            // Too long or with spaces: replaced, never echoed.
            let long = String(repeating: "x", count: 300)
            let replaced = try await client.get("/health", headers: [.init("X-Request-ID")!: long])
            #expect(replaced.headers[.init("X-Request-ID")!] != long)
            let spaced = try await client.get("/health", headers: [.init("X-Request-ID")!: "a b"])
            #expect(spaced.headers[.init("X-Request-ID")!] != "a b")
        }
    }

    /// Issue 9 (12): a 500 echoed the store's error (SQL, table names, file paths). Routes that
    /// fail inside the stores, behind the server's request middleware.
    @Test(arguments: [
        FeatureStoreError.storage(
            "SQLite error 1: no such table: history_driver_events_g1 in /srv/repo/.fs/offline.db"),
        FeatureStoreError.io("cannot write /srv/repo/.fs/online/000012.log: No space left on device"),
    ])
    func a500NamesOnlyTheRequestIDAndTheLogHasTheDetails(_ failure: FeatureStoreError) async throws {
        let logs = LogRecorder()
        let router = Router(context: BasicRequestContext.self)
        router.add(
            middleware: RequestMiddleware(
                metrics: ServerMetrics(), logger: logs.logger,
                access: try AccessControl(
                    config: RepoConfig(project: "p", registryPath: "", offlineStorePath: "", onlineStorePath: ""),
                    host: "127.0.0.1", environment: [:]), uiEnabled: true))
        router.post("/push") { _, _ -> Response in throw failure }
        router.get("/crash") { _, _ -> Response in throw CancellationError() }
        try await Application(router: router).test(.router) { client in
            let answer = try await client.post("/push", "{}", headers: [.init("X-Request-ID")!: "push-500"])
            #expect(answer.status == 500)
            #expect(answer.errorCode == failure.code.description)
            #expect(answer.errorRequestID == "push-500")
            #expect(answer.errorMessage.contains("request id push-500"), "\(answer.errorMessage)")
            for secret in ["/srv", "history", "SQLite", "space", ".log"] {
                #expect(!answer.errorMessage.contains(secret), "\(answer.errorMessage) leaks \(secret)")
            }
            let other = try await client.get("/crash")
            #expect(other.status == 500)
            #expect(other.errorCode == "internal")
            #expect(!other.errorMessage.contains("CancellationError"))
        }
        let line = logs.all.first { $0.level == .error && $0.metadata["request_id"] == "push-500" }
        #expect(line?.metadata["error"] == failure.description, "\(logs.all.map(\.metadata))")
    }

    @Test func clientMistakesAreLoggedAtDebugNeverAsErrors() async throws {
        let logs = LogRecorder()
        let fixture = try await ServerFixture.make(logs: logs)
        try await fixture.test { client in
            _ = try await client.post("/push", "{")
            _ = try await client.get("/nope")
        }
        #expect(!logs.all.contains { $0.level >= .warning }, "\(logs.all.map(\.message))")
        #expect(logs.all.contains { $0.level == .debug && $0.metadata["code"] == "invalid_input" })
    }
}
