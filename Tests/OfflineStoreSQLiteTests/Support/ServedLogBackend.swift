import FeatureStoreCore
import Foundation
import OfflineStorePostgres
import OfflineStoreSQLite
import PostgresTestSupport
import Synchronization
import Testing

/// The offline store a served-log test writes to: SQLite in a fresh directory, or a fresh schema
/// of a throwaway PostgreSQL cluster. Suites run once per backend with the same expectations.
enum ServedLogBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// Runs `body` on a thread of its own (never one of the cooperative pool's) with a way to open
    /// fresh stores; the cluster (for PostgreSQL) lives until `body` returns.
    func run(_ body: @escaping @Sendable (ServedLogStores) throws -> Void) async throws {
        switch self {
        case .sqlite: try await offPool { try body(ServedLogStores(server: nil)) }
        case .postgres:
            try await withPostgresServer { server in try await offPool { try body(ServedLogStores(server: server)) } }
        }
    }
}

/// Opens fresh, empty offline stores on one backend.
final class ServedLogStores: Sendable {
    let server: PostgresServerProcess?
    private let opened = Mutex(0)

    init(server: PostgresServerProcess?) { self.server = server }

    /// A new empty store (`label` names its directory or schema).
    func store(_ label: String) throws -> any OfflineHistoryStore {
        guard let server else { return try TestDirectory(label).store() }
        let number = opened.withLock { count in
            count += 1
            return count
        }
        let schema = label.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined() + "_\(number)"
        return try PostgresOfflineStore(settings: server.settings(schema: schema), password: server.password)
    }
}
