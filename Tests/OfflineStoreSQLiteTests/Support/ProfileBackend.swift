import FeatureStoreCore
import Foundation
import OfflineStorePostgres
import OfflineStoreSQLite
import PostgresClient
import PostgresTestSupport
import SQLite
import Synchronization
import Testing

/// The offline store a profile test runs on: SQLite, or a throwaway PostgreSQL cluster (one per
/// test, a schema per store). Every profile test runs on both with the same expectations.
enum ProfileBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// Runs `body` with a way to make stores on this backend; the cluster (for PostgreSQL) lives
    /// until `body` returns. `body` is synchronous store work: it runs on a thread of its own,
    /// never holding one of the cooperative pool's two threads.
    func run(_ body: @escaping @Sendable (ProfileStores) throws -> Void) async throws {
        switch self {
        case .sqlite: try await offPool { try body(ProfileStores(server: nil)) }
        case .postgres:
            try await withPostgresServer { server in try await offPool { try body(ProfileStores(server: server)) } }
        }
    }
}

/// Makes fresh, empty stores on one backend.
struct ProfileStores: Sendable {
    let server: PostgresServerProcess?

    /// A new empty store's place: a new SQLite file, or a new schema `name` of the cluster.
    func make(_ name: String) -> ProfileStoreLocation {
        guard let server else { return .sqlite(path: TestDirectory("profiles").file("offline.db")) }
        return .postgres(settings: server.settings(schema: name), password: server.password)
    }
}

/// Where a test store lives; ``open()`` makes another connection to it (another process, in effect).
enum ProfileStoreLocation: Sendable {
    case sqlite(path: String)
    case postgres(settings: PostgresSettings, password: String)

    func open() throws -> any OfflineHistoryStore {
        switch self {
        case .sqlite(let path): try OfflineStore(path: path)
        case .postgres(let settings, let password): try PostgresOfflineStore(settings: settings, password: password)
        }
    }

    /// Overwrites every stored profile with bytes that are no profile (a damaged store).
    func damageProfiles() throws {
        switch self {
        case .sqlite(let path):
            try Database(path: path).execute("UPDATE profiles SET profile = X'0102030405'")
        case .postgres(let settings, let password):
            let session = PostgresSession(settings: settings, password: password)
            defer { session.close() }
            try session.query("UPDATE \(settings.schema).profiles SET profile = '\\x0102030405'::bytea")
        }
    }
}

/// Runs `bodies` at once, each on a thread of its own, and rethrows the first error.
func concurrently(_ bodies: [@Sendable () throws -> Void]) throws {
    let group = DispatchGroup()
    let errors = Mutex<[any Error]>([])
    for body in bodies {
        group.enter()
        Thread {
            defer { group.leave() }
            do { try body() } catch { errors.withLock { $0.append(error) } }
        }.start()
    }
    group.wait()
    if let first = errors.withLock({ $0.first }) { throw first }
}
