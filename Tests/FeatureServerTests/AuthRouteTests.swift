import FeatureStoreKit
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Testing

@testable import FeatureServer

/// Bearer tokens from `auth:` in feature_store.yaml: `read` for lookups, listings and metrics,
/// `write` for pushes and online writes, `admin` for materialization.
@Suite struct AuthRouteTests {
    static let settings = """
        auth:
          type: token
          tokens:
            - name: trainer
              token_env: FS_TOKEN_TRAINER
              roles: [read]
            - name: pipeline
              token_env: FS_TOKEN_PIPELINE
              roles: [read, write, admin]
            - name: feeder
              token_file: feeder.token
              roles: [write]
        """
    static let trainer = "trainer-secret-0123456789"
    static let pipeline = "pipeline-secret-0123456789"
    static let feeder = "feeder-secret-0123456789"

    static func make(trainer: String = AuthRouteTests.trainer, logs: LogRecorder? = nil) async throws -> ServerFixture {
        try await ServerFixture.make(
            settings: settings, logs: logs,
            configure: { $0.environment = ["FS_TOKEN_TRAINER": trainer, "FS_TOKEN_PIPELINE": pipeline] },
            beforeOpening: { repo in
                try (feeder + "\n").write(toFile: repo + "/feeder.token", atomically: true, encoding: .utf8)
            })
    }

    static func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }

    static let lookup = #"{"features": ["driver_live:rating"], "entities": {"driver_id": [1]}}"#
    static let push =
        #"{"push_source_name": "driver_events", "df": {"driver_id": [1], "event_timestamp": ["2026-11-19T23:50:00Z"], "rating": [2.5], "city": ["a"]}}"#

    @Test func noTokenIs401WithAJSONBodyAndAChallenge() async throws {
        let fixture = try await Self.make()
        try await fixture.test { client in
            for (path, body) in [("/get-online-features", Self.lookup), ("/push", Self.push)] {
                let answer = try await client.post(path, body)
                #expect(answer.status == 401)
                #expect(answer.errorCode == "unauthenticated")
                #expect(answer.errorMessage.contains("Authorization: Bearer"), "\(answer.errorMessage)")
                #expect(answer.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            }
            for path in ["/feature-views", "/feature-services", "/metrics", "/nope"] {
                #expect(try await client.get(path).status == 401, "\(path)")
            }
        }
    }

    @Test(arguments: ["Bearer wrong-token-0123456789", "Bearer ", "Basic dXNlcjpwYXNz", "pipeline-secret-0123456789"])
    func aWrongOrMalformedTokenIs401(_ header: String) async throws {
        let fixture = try await Self.make()
        try await fixture.test { client in
            let answer = try await client.post("/push", Self.push, headers: [.authorization: header])
            #expect(answer.status == 401)
            #expect(answer.errorCode == "unauthenticated")
            #expect(!answer.errorMessage.contains(Self.pipeline))
        }
        #expect(try fixture.offlineRows(source: "driver_events") == 0)
    }

    @Test func aTokenWithoutTheRoleIs403NamingTokenAndRole() async throws {
        let fixture = try await Self.make()
        try await fixture.test { client in
            let push = try await client.post("/push", Self.push, headers: Self.bearer(Self.trainer))
            #expect(push.status == 403)
            #expect(push.errorCode == "permission_denied")
            #expect(push.errorMessage.contains("token 'trainer'"), "\(push.errorMessage)")
            #expect(push.errorMessage.contains("write role"), "\(push.errorMessage)")
            let materialize = try await client.post(
                "/materialize-incremental", #"{"end_ts": "now"}"#, headers: Self.bearer(Self.trainer))
            #expect(materialize.status == 403)
            #expect(materialize.errorMessage.contains("admin role"))
            // feeder may write but not read.
            let read = try await client.post("/get-online-features", Self.lookup, headers: Self.bearer(Self.feeder))
            #expect(read.status == 403)
            let lookup = try await PushRouteTests.lookup(client, [1])
            #expect(lookup.status == 401)
        }
    }

    @Test func theRightRoleIsAnswered() async throws {
        let fixture = try await Self.make()
        try await fixture.test { client in
            let push = try await client.post("/push", Self.push, headers: Self.bearer(Self.feeder))
            #expect(push.status == 200, "\(push.json)")
            let read = try await client.post("/get-online-features", Self.lookup, headers: Self.bearer(Self.trainer))
            #expect(read.status == 200)
            #expect(read.column(named: "rating").values.first as? Double == 2.5)
            let views = try await client.get("/feature-views", headers: Self.bearer(Self.trainer))
            #expect(views.status == 200)
            let materialize = try await client.post(
                "/materialize-incremental", #"{"end_ts": "now"}"#, headers: Self.bearer(Self.pipeline))
            #expect(materialize.status == 200, "\(materialize.json)")
            // The scheme is case-insensitive, as RFC 9110 says.
            let lower = try await client.post(
                "/get-online-features", Self.lookup, headers: [.authorization: "bearer \(Self.trainer)"])
            #expect(lower.status == 200)
        }
    }

    @Test func healthNeedsNoToken() async throws {
        let fixture = try await Self.make()
        try await fixture.test { client in
            let health = try await client.get("/health")
            #expect(health.status == 200)
        }
    }

    @Test func tokenNamesNotTokensAreInMetricsAndLogs() async throws {
        let logs = LogRecorder()
        let fixture = try await Self.make(logs: logs)
        try await fixture.test { client in
            _ = try await client.post("/get-online-features", Self.lookup, headers: Self.bearer(Self.trainer))
            _ = try await client.post("/push", Self.push, headers: Self.bearer(Self.trainer))
            _ = try await client.post(
                "/materialize-incremental", #"{"end_ts": "now"}"#, headers: Self.bearer(Self.pipeline))
            _ = try await client.post("/push", Self.push)
            let (_, text) = try await client.getText("/metrics", headers: Self.bearer(Self.trainer))
            #expect(
                text.contains(
                    #"fs_http_requests_total{endpoint="/get-online-features",status="200",token="trainer"} 1"#))
            #expect(
                text.contains(#"fs_http_errors_total{endpoint="/push",code="permission_denied",token="trainer"} 1"#))
            #expect(text.contains(#"fs_http_requests_total{endpoint="/push",status="401",token="anonymous"} 1"#))
            #expect(!text.contains(Self.trainer) && !text.contains(Self.pipeline))
        }
        let audit = logs.all.first { $0.message.contains("/materialize-incremental") }
        #expect(audit?.level == .info)
        #expect(audit?.metadata["token"] == "pipeline")
        let all = logs.all.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        #expect(!all.contains(Self.trainer) && !all.contains(Self.pipeline), "\(all)")
    }

    /// Rotation: restart with a new secret in the environment; the old one stops working.
    @Test func rotatingATokenByRestartingWithANewEnvironment() async throws {
        var fixture: ServerFixture? = try await Self.make()
        let repo = fixture!.repo
        try await fixture!.test { client in
            let read = try await client.post("/get-online-features", Self.lookup, headers: Self.bearer(Self.trainer))
            #expect(read.status == 200)
        }
        fixture = nil
        let rotated = "trainer-rotated-9876543210"
        let restarted = try await ServerFixture.open(repo: repo) {
            $0.environment = ["FS_TOKEN_TRAINER": rotated, "FS_TOKEN_PIPELINE": Self.pipeline]
        }
        try await restarted.test { client in
            let old = try await client.post("/get-online-features", Self.lookup, headers: Self.bearer(Self.trainer))
            #expect(old.status == 401)
            let new = try await client.post("/get-online-features", Self.lookup, headers: Self.bearer(rotated))
            #expect(new.status == 200)
        }
    }

    @Test func aMissingShortOrSharedSecretStopsTheStart() async throws {
        let fixture = try await Self.make()
        let repo = fixture.repo
        _ = consume fixture
        let missing = await #expect(throws: FeatureStoreError.self) {
            _ = try await ServerFixture.open(repo: repo) { $0.environment = ["FS_TOKEN_TRAINER": Self.trainer] }
        }
        #expect(missing?.message.contains("FS_TOKEN_PIPELINE is not set") == true, "\(missing?.message ?? "")")
        let short = await #expect(throws: FeatureStoreError.self) {
            _ = try await ServerFixture.open(repo: repo) {
                $0.environment = ["FS_TOKEN_TRAINER": "short", "FS_TOKEN_PIPELINE": Self.pipeline]
            }
        }
        #expect(short?.message.contains("at least 16") == true, "\(short?.message ?? "")")
        let shared = await #expect(throws: FeatureStoreError.self) {
            _ = try await ServerFixture.open(repo: repo) {
                $0.environment = ["FS_TOKEN_TRAINER": Self.pipeline, "FS_TOKEN_PIPELINE": Self.pipeline]
            }
        }
        #expect(shared?.message.contains("same secret") == true, "\(shared?.message ?? "")")
    }

    @Test func tokensCompareInFull() {
        let a = Array("0123456789abcdef".utf8)
        #expect(TokenAuthenticator.equal(a, a))
        #expect(!TokenAuthenticator.equal(a, Array("0123456789abcdeF".utf8)))
        #expect(!TokenAuthenticator.equal(a, Array("0123456789abcde".utf8)))
        #expect(!TokenAuthenticator.equal(a, Array("0123456789abcdef0".utf8)))
        #expect(!TokenAuthenticator.equal(a, []))
        #expect(TokenAuthenticator.equal([], []))
    }
}
