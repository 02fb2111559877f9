import FeatureStoreKit
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import FeatureServer

/// The connection guard under an application of its own, for routes the server does not have.
@Suite struct ConnectionGuardTests {
    /// A route that is busy with something else (the store, say) while the body stalls: the
    /// guard answers 408 at the deadline instead of leaving the client to the idle timeout.
    @Test func aStalledBodyIs408EvenWhenTheRouteIsNotReadingIt() async throws {
        let router = Router(context: BasicRequestContext.self)
        router.post("/busy") { _, _ -> Response in
            try await Task.sleep(for: .seconds(4))
            return Response(status: .ok)
        }
        let limits = ConnectionLimits(idleTimeout: .seconds(2), bodyTimeout: .milliseconds(500))
        let metrics = ServerMetrics()
        let counter = ConnectionCounter()
        let app = Application(
            router: router,
            server: FeatureServer.serverBuilder(limits: limits, counter: counter, metrics: metrics, tls: nil),
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let connection = try RawConnection(port: try #require(client.port))
            try await connection.send("POST /busy HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n{")
            // Without the guard's answer the idle timeout (2 s) closes first, or the route answers 200.
            let answer = try await connection.readAnswer()
            #expect(answer.status == 408)
            #expect(answer.errorMessage.contains("body"), "\(answer.errorMessage)")
            #expect(try await connection.readToEnd().closed)
        }
    }
}
