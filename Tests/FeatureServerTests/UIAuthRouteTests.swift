import FeatureStoreKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import FeatureServer

/// The UI with `auth:` tokens: a sign-in page takes a pasted token and sets a session cookie that
/// stands for the `read` role on the UI's pages and the lookup form only.
@Suite struct UIAuthRouteTests {
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    /// Signs in with `token`; returns the answer's status and its `Set-Cookie` and `Location`.
    static func signIn(_ client: any TestClientProtocol, token: String, next: String = "/ui/jobs") async throws
        -> (status: Int, cookie: String?, location: String?, text: String)
    {
        let body = "next=\(next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")&token=\(token)"
        return try await client.execute(
            uri: "/ui/sign-in", method: .post, headers: form, body: ByteBuffer(string: body)
        ) { response in
            (
                response.status.code, response.headers[.setCookie], response.headers[.location],
                String(buffer: response.body)
            )
        }
    }

    /// The `name=value` part of a `Set-Cookie`, as a browser sends it back.
    static func cookie(_ setCookie: String?) -> HTTPFields {
        [.cookie: String(setCookie?.split(separator: ";").first ?? "")]
    }

    @Test func withoutATokenTheUIAnswers401WithTheSignInForm() async throws {
        let fixture = try await AuthRouteTests.make()
        try await fixture.test { client in
            for uri in ["/ui", "/ui/jobs", "/ui/feature-views/driver_hourly_stats"] {
                let (status, text) = try await client.getText(uri)
                #expect(status == 401, "\(uri)")
                #expect(text.contains(#"<form class="signin" method="post" action="/ui/sign-in">"#), "\(uri)")
                #expect(text.contains(#"name="next" value="\#(uri)""#))
            }
            // The stylesheet and the sign-in page need no token.
            #expect(try await client.getText("/ui/style.css").status == 200)
            #expect(try await client.getText("/ui/sign-in").status == 200)
        }
    }

    @Test func withTheUITurnedOffAUIPathIsAPlain401() async throws {
        let fixture = try await ServerFixture.make(
            settings: AuthRouteTests.settings,
            configure: {
                $0.environment = [
                    "FS_TOKEN_TRAINER": AuthRouteTests.trainer, "FS_TOKEN_PIPELINE": AuthRouteTests.pipeline,
                ]
                $0.uiEnabled = false
            },
            beforeOpening: { repo in
                try (AuthRouteTests.feeder + "\n").write(
                    toFile: repo + "/feeder.token", atomically: true, encoding: .utf8)
            })
        try await fixture.test { client in
            let (status, text) = try await client.getText("/ui")
            #expect(status == 401)
            #expect(!text.contains("<form"), "\(text)")
            #expect(text.contains("unauthenticated"), "\(text)")
        }
    }

    @Test func signingInSetsAStrictHttpOnlyCookieThatOpensTheUI() async throws {
        let logs = LogRecorder()
        let fixture = try await AuthRouteTests.make(logs: logs)
        try await fixture.test { client in
            let answer = try await Self.signIn(client, token: AuthRouteTests.trainer)
            #expect(answer.status == 303)
            #expect(answer.location == "/ui/jobs")
            let setCookie = try #require(answer.cookie)
            #expect(setCookie.hasPrefix("fs_session="))
            #expect(setCookie.contains("HttpOnly"))
            #expect(setCookie.contains("SameSite=Strict"))
            #expect(setCookie.contains("Path=/"))
            #expect(!setCookie.contains("Secure"), "plain HTTP")
            #expect(!setCookie.contains(AuthRouteTests.trainer), "the cookie holds a session id, not the token")
            let cookie = Self.cookie(setCookie)
            for uri in ["/ui", "/ui/jobs", "/ui/feature-views/driver_hourly_stats", "/ui/lineage"] {
                let (status, text) = try await client.getText(uri, headers: cookie)
                #expect(status == 200, "\(uri)")
                #expect(text.contains(#"action="/ui/sign-out""#), "\(uri): a sign-out button")
            }
            // The lookup form's call.
            let lookup = try await client.post("/get-online-features", AuthRouteTests.lookup, headers: cookie)
            #expect(lookup.status == 200)
            // A made-up session is nothing.
            #expect(try await client.getText("/ui", headers: [.cookie: "fs_session=0123456789abcdef"]).status == 401)
        }
        let logged = logs.all.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        #expect(logged.contains("UI sign-in"))
        #expect(!logged.contains(AuthRouteTests.trainer), "the token is never logged")
    }

    @Test func theCookieIsNeverAcceptedForWritesOrMaterializations() async throws {
        let fixture = try await AuthRouteTests.make()
        try await fixture.test { client in
            // The pipeline token has every role; its session still only reads through the UI.
            let answer = try await Self.signIn(client, token: AuthRouteTests.pipeline)
            #expect(answer.status == 303)
            let cookie = Self.cookie(answer.cookie)
            let writes = [
                ("/push", AuthRouteTests.push),
                ("/materialize", #"{"start_ts": "2026-11-19T00:00:00Z", "end_ts": "2026-11-20T00:00:00Z"}"#),
                ("/materialize-incremental", #"{"end_ts": "now"}"#),
                ("/write-to-online-store", #"{"feature_view_name": "driver_live", "df": {}}"#),
                ("/log/outcomes", #"{"outcomes": []}"#),
            ]
            for (path, body) in writes {
                let refused = try await client.post(path, body, headers: cookie)
                #expect(refused.status == 401, "\(path): \(refused.json)")
            }
            // Nor for other endpoints than the UI's pages and its lookup call.
            #expect(try await client.get("/feature-views", headers: cookie).status == 401)
            // The bearer header still works beside it.
            let bearer = try await client.post(
                "/materialize-incremental", #"{"end_ts": "now"}"#,
                headers: AuthRouteTests.bearer(AuthRouteTests.pipeline))
            #expect(bearer.status == 200)
        }
    }

    @Test func aWrongTokenIsRefusedWithoutEchoingIt() async throws {
        let fixture = try await AuthRouteTests.make()
        try await fixture.test { client in
            let guess = "not-a-token-but-long-enough-\(UUID().uuidString)"
            let wrong = try await Self.signIn(client, token: guess)
            #expect(wrong.status == 401)
            #expect(wrong.cookie == nil)
            #expect(wrong.text.contains("not one of this server"))
            #expect(!wrong.text.contains(guess))
            // A token without the read role (feeder: write only).
            let writer = try await Self.signIn(client, token: AuthRouteTests.feeder)
            #expect(writer.status == 403)
            #expect(writer.cookie == nil)
            #expect(!writer.text.contains(AuthRouteTests.feeder))
            // Only UI pages are destinations.
            let elsewhere = try await Self.signIn(client, token: AuthRouteTests.trainer, next: "//evil.example/ui")
            #expect(elsewhere.location == "/ui")
        }
    }

    @Test func signingOutEndsTheSession() async throws {
        let fixture = try await AuthRouteTests.make()
        try await fixture.test { client in
            let cookie = Self.cookie(try await Self.signIn(client, token: AuthRouteTests.trainer).cookie)
            #expect(try await client.getText("/ui", headers: cookie).status == 200)
            let out = try await client.execute(uri: "/ui/sign-out", method: .post, headers: cookie.merging(Self.form)) {
                ($0.status.code, $0.headers[.setCookie])
            }
            #expect(out.0 == 303)
            #expect(out.1?.contains("Max-Age=0") == true)
            #expect(try await client.getText("/ui", headers: cookie).status == 401)
        }
    }

    @Test func theCookieIsSecureOverTLS() {
        #expect(UISessions.setCookie("abc", secure: true).contains("; Secure"))
        #expect(UISessions.sessionID(inCookieHeader: "a=b; fs_session=xyz; c=d") == "xyz")
        #expect(UISessions.sessionID(inCookieHeader: "fs_session=") == nil)
    }

    @Test func withoutAuthTheSignInPageLeadsToTheUI() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            let answer = try await client.execute(uri: "/ui/sign-in", method: .get) { $0 }
            #expect(answer.status == .seeOther)
            #expect(answer.headers[.location] == "/ui")
            let (_, text) = try await client.getText("/ui")
            #expect(!text.contains("sign-out"))
        }
    }
}

extension HTTPFields {
    fileprivate func merging(_ other: HTTPFields) -> HTTPFields {
        var all = self
        for field in other { all.append(field) }
        return all
    }
}
