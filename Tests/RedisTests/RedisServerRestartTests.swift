import Foundation
import Redis
import RedisTestSupport
import Testing

/// The test harness itself: a restarted redis-server whose port is taken for a moment (the kernel
/// handed it to another connection) waits for the port instead of failing the test that restarted it.
@Suite struct RedisServerRestartTests {
    @Test func aRestartWaitsUntilItsPortIsFree() async throws {
        let server = try await RedisServerProcess()
        defer { server.stop() }
        server.kill()
        let holder = try PortHolder(port: server.port)
        let release = Task {
            try await Task.sleep(for: .milliseconds(1500))
            holder.release()
        }
        try await server.start()
        try await release.value
        let client = RedisClient(address: server.address)
        defer { Task { await client.close() } }
        #expect(try await client.send(RedisCommand("PING", [], keyed: false)) == .simpleString("PONG"))
    }
}
