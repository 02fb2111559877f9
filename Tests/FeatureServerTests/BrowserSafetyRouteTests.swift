import FeatureServer
import FeatureStoreKit
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// What a web page may make a browser do: POST only JSON, only from listed origins, only to this
/// server's own names (DNS rebinding).
@Suite struct BrowserSafetyRouteTests {
    static let push =
        #"{"push_source_name": "driver_events", "to": "online_and_offline", "df": {"driver_id": [5], "event_timestamp": ["2026-11-19T23:50:00Z"], "rating": [1], "city": ["evil"]}}"#

    @Test(arguments: [
        "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/json",
    ])
    func aPostBodyThatIsNotJSONIs415(_ type: String) async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            let answer = try await client.post("/push", Self.push, headers: [.contentType: type])
            #expect(answer.status == 415)
            #expect(answer.errorCode == "unsupported_media_type")
            #expect(answer.errorMessage.contains("application/json"), "\(answer.errorMessage)")
        }
        #expect(try fixture.offlineRows(source: "driver_events") == 0)
    }

    /// JSON with parameters is JSON; no type at all is what Feast's remote online store sends
    /// (`requests.post(data=...)`), and a browser cannot send it without an `Origin`.
    @Test(arguments: ["application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8", nil])
    func jsonOrNoContentTypeIsAccepted(_ type: String?) async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            let answer = try await client.post("/push", Self.push, headers: type.map { [.contentType: $0] } ?? [:])
            #expect(answer.status == 200, "\(answer.json)")
        }
    }

    @Test func aForeignOriginIs403WithoutCORSHeaders() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            let answer = try await client.post(
                "/push", Self.push, headers: [.origin: "http://evil.example", .contentType: "text/plain"])
            #expect(answer.status == 403)
            #expect(answer.errorCode == "forbidden_origin")
            #expect(answer.headers[.accessControlAllowOrigin] == nil)
            let read = try await client.get("/feature-views", headers: [.origin: "http://evil.example"])
            #expect(read.status == 403)
            let preflight = try await client.execute(
                uri: "/push", method: .options,
                headers: [.origin: "http://evil.example", .accessControlRequestMethod: "POST"]
            ) { $0 }
            #expect(preflight.status == .forbidden)
            #expect(preflight.headers[.accessControlAllowOrigin] == nil)
        }
        #expect(try fixture.offlineRows(source: "driver_events") == 0)
    }

    @Test func aListedOriginGetsCORSHeadersAndItsPreflightIsAnswered() async throws {
        let fixture = try await ServerFixture.make(settings: "cors_origins: [\"https://dashboard.example.com\"]")
        try await fixture.test { client in
            let preflight = try await client.execute(
                uri: "/get-online-features", method: .options,
                headers: [
                    .origin: "https://dashboard.example.com", .accessControlRequestMethod: "POST",
                    .accessControlRequestHeaders: "content-type, authorization",
                ]
            ) { $0 }
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == "https://dashboard.example.com")
            #expect(preflight.headers[.accessControlAllowHeaders]?.contains("Authorization") == true)
            let answer = try await client.post(
                "/get-online-features",
                #"{"features": ["driver_live:rating"], "entities": {"driver_id": [1]}}"#,
                headers: [.origin: "https://dashboard.example.com", .contentType: "application/json"])
            #expect(answer.status == 200)
            #expect(answer.headers[.accessControlAllowOrigin] == "https://dashboard.example.com")
            // An error to an allowed page still carries the headers, so the page can read it.
            let error = try await client.post("/push", "{", headers: [.origin: "https://dashboard.example.com"])
            #expect(error.status == 400)
            #expect(error.headers[.accessControlAllowOrigin] == "https://dashboard.example.com")
            let other = try await client.get("/feature-views", headers: [.origin: "https://dashboard.example.org"])
            #expect(other.status == 403)
        }
    }

    /// A page served by the server itself (a later web UI) is same-origin.
    @Test func theServersOwnOriginIsAllowed() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.test { client in
            let answer = try await client.post(
                "/push", Self.push, headers: [.origin: "http://localhost", .contentType: "application/json"])
            #expect(answer.status == 200, "\(answer.json)")
        }
    }

    /// The case of the issue, on a real socket: a cross-origin text/plain POST naming a foreign
    /// host (DNS rebinding) was answered 200 and wrote a value.
    @Test func aForeignHostIs403OnTheWire() async throws {
        let fixture = try await ServerFixture.make(settings: "allowed_hosts: [features.internal]")
        try await fixture.test(.live) { client in
            let port = try #require(client.port)
            for host in ["evil.example", "evil.example:\(port)", "localhost.evil.example"] {
                let connection = try RawConnection(port: port)
                try await connection.send(
                    "POST /push HTTP/1.1\r\nHost: \(host)\r\nContent-Type: application/json\r\nContent-Length: \(Self.push.utf8.count)\r\n\r\n\(Self.push)"
                )
                let answer = try await connection.readAnswer()
                #expect(answer.status == 403, "\(host)")
                #expect(answer.errorCode == "forbidden_host", "\(host)")
            }
            let attack = try RawConnection(port: port)
            try await attack.send(
                "POST /push HTTP/1.1\r\nHost: evil.example:\(port)\r\nOrigin: http://evil.example:\(port)\r\nContent-Type: text/plain\r\nContent-Length: \(Self.push.utf8.count)\r\n\r\n\(Self.push)"
            )
            #expect(try await attack.readAnswer().status == 403)
            for host in ["localhost:\(port)", "127.0.0.1:\(port)", "[::1]:\(port)", "features.internal", "LOCALHOST."] {
                let connection = try RawConnection(port: port)
                try await connection.send("GET /health HTTP/1.1\r\nHost: \(host)\r\n\r\n")
                #expect(try await connection.readAnswer().status == 200, "\(host)")
            }
        }
        #expect(try fixture.offlineRows(source: "driver_events") == 0)
    }
}
