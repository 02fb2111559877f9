/// One throwaway cluster shared by the tests that use it at the same time: the first user starts
/// it, the last one to finish stops it (a later user starts a new one). Tests that each need only a
/// schema of their own (the suites run on both offline stores) share it instead of paying an
/// `initdb` and a start apiece; nothing outlives the tests that used it.
public actor SharedPostgresServer {
    public static let shared = SharedPostgresServer()

    private var server: Task<PostgresServerProcess, any Error>?
    private var users = 0

    private func acquire() async throws -> PostgresServerProcess {
        users += 1
        if server == nil { server = Task { try await PostgresServerProcess(maxConnections: 300) } }
        do {
            return try await server!.value
        } catch {
            await release()
            throw error
        }
    }

    /// Drops a use; the last one stops the cluster (on a thread of its own: stopping waits).
    private func release() async {
        users -= 1
        guard users == 0, let starting = server else { return }
        server = nil
        if let stopping = try? await starting.value { _ = try? await offPool { stopping.stop() } }
    }

    /// Runs `body` with the shared cluster, started if no test holds it.
    public nonisolated func use<T: Sendable>(_ body: (PostgresServerProcess) async throws -> T) async throws -> T {
        let server = try await acquire()
        do {
            let result = try await body(server)
            await release()
            return result
        } catch {
            await release()
            throw error
        }
    }
}
