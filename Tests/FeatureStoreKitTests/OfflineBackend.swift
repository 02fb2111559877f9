import FeatureStoreKit
import Foundation
import PostgresTestSupport
import Testing

/// The offline store a test repo keeps its history in: the SQLite default, or a throwaway
/// PostgreSQL cluster (shared by the tests running at once, ``SharedPostgresServer``; a schema per
/// test and repo). Suites that check the offline side run once per backend with the same data and
/// the same expectations.
enum OfflineBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// Runs `body` with a way to open repos on this backend; the cluster (for PostgreSQL) lives
    /// until `body` returns. `body` is synchronous store work of many seconds: it runs on a thread
    /// of its own, never holding one of the cooperative pool's two threads (that starved the
    /// async tests running beside it; see docs/architecture.md, "Tests and the cooperative pool").
    func run(_ body: @escaping @Sendable (OfflineRepos) throws -> Void) async throws {
        switch self {
        case .sqlite: try await offPool { try body(OfflineRepos(server: nil)) }
        case .postgres:
            try await SharedPostgresServer.shared.use { server in
                try await offPool { try body(OfflineRepos(server: server)) }
            }
        }
    }
}

/// Opens repos whose `feature_store.yaml` points at one offline store.
struct OfflineRepos: Sendable {
    let server: PostgresServerProcess?
    /// Tells this test's schemas from those of other tests on the shared cluster.
    let tag = String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(8)).lowercased()

    /// `feature_store.yaml` for project `project`, its offline store on PostgreSQL in a schema
    /// named after the project and this test (so repos and tests sharing the cluster keep apart).
    func config(project: String) -> String {
        guard let server else { return "project: \(project)\n" }
        return "project: \(project)\n" + server.offlineStoreYAML(schema: schema(project: project))
    }

    /// The PostgreSQL schema of project `project`'s offline store.
    func schema(project: String) -> String { "\(project)_\(tag)" }

    /// The repo at `path`, with the cluster's password in its environment.
    func open(_ path: String, clock: @escaping @Sendable () -> Timestamp = Timestamp.now) throws -> FeatureStore {
        var environment = ProcessInfo.processInfo.environment
        if let server { environment.merge(server.environment) { $1 } }
        return try FeatureStore(repo: path, clock: clock, environment: environment)
    }
}
