import Foundation
import PostgresClient
import PostgresTestSupport
import Testing

/// The test harness itself: a restarted postgres whose port is taken for a moment (the kernel
/// handed it to another connection) waits for the port instead of failing the test that restarted it.
@Suite struct PostgresServerRestartTests {
    @Test func aRestartWaitsUntilItsPortIsFree() async throws {
        try await withPostgresServerOffPool { server in
            server.shutDown()
            let holder = try PortHolder(port: server.port)
            let release = Task {
                try await Task.sleep(for: .milliseconds(1500))
                holder.release()
            }
            try await server.start()
            try await release.value
            let session = PostgresSession(settings: server.settings(), password: server.password)
            defer { session.close() }
            #expect(try session.query("SELECT 1").count == 1)
        }
    }
}
