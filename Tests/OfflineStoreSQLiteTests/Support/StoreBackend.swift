import FeatureStoreCore
import Foundation
import OfflineStorePostgres
import OfflineStoreSQLite
import PostgresClient
import PostgresTestSupport
import SQLite
import Synchronization
import Testing

/// The offline store a store-level suite runs on: the SQLite default, or PostgreSQL (a schema of
/// its own per store in a cluster shared by the tests running at the time). Suites that check what
/// both stores share run each test on both, with the same data and the same expectations.
enum StoreBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// Runs `body` with a way to open stores on this backend. On PostgreSQL, `body` (synchronous
    /// store work) runs on a thread of its own (``OwnThreadExecutor``) in the test's own task, never holding one of the
    /// cooperative pool's two threads, and every store it opened is closed afterwards.
    func run(_ body: (StoreOpener) throws -> Void) async throws {
        switch self {
        case .sqlite: try body(StoreOpener(server: nil))
        case .postgres:
            try await SharedPostgresServer.shared.use { server in
                try await withTaskExecutorPreference(OwnThreadExecutor.shared) {
                    let opener = StoreOpener(server: server)
                    defer { opener.closeAll() }
                    try body(opener)
                }
            }
        }
    }
}

/// Opens offline stores on one backend.
final class StoreOpener: Sendable {
    let server: PostgresServerProcess?
    private let opened = Mutex<[PostgresOfflineStore]>([])

    init(server: PostgresServerProcess?) { self.server = server }

    /// A new, empty store: `offline.db` in `directory` on SQLite, a schema of its own on PostgreSQL.
    func store(in directory: TestDirectory) throws -> any OfflineHistoryStore {
        guard let server else { return try directory.store() }
        let schema = "t" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let store = try PostgresOfflineStore(settings: server.settings(schema: schema), password: server.password)
        opened.withLock { $0.append(store) }
        return store
    }

    /// The rows of `sql` (a SELECT naming the table as `{table}`) in `store`, every value as text:
    /// integers in decimal, reals by `description`, nulls as `null`.
    func rows(_ sql: String, table: String, in store: any OfflineHistoryStore, directory: TestDirectory) throws
        -> [[String]]
    {
        guard let server, let postgres = store as? PostgresOfflineStore else {
            let database = try Database(path: directory.file("offline.db"))
            let statement = try database.prepare(sql.replacingOccurrences(of: "{table}", with: quoteIdentifier(table)))
            var rows: [[String]] = []
            while try statement.step() {
                rows.append((0..<statement.columnCount).map { Self.text(statement.value($0)) })
            }
            return rows
        }
        let session = PostgresSession(settings: postgres.settings, password: server.password)
        defer { session.close() }
        let qualified = quoteIdentifier(postgres.settings.schema) + "." + quoteIdentifier(table)
        return try session.query(sql.replacingOccurrences(of: "{table}", with: qualified)).map { row in
            try (0..<row.count).map { Self.text(try row.value($0)) }
        }
    }

    func closeAll() { for store in opened.withLock({ $0 }) { store.close() } }

    static func text(_ value: SQLiteValue) -> String {
        switch value {
        case .null: "null"
        case .integer(let v): String(v)
        case .real(let v): v.description
        case .text(let v): v
        case .blob: "blob"
        }
    }

    static func text(_ value: PostgresCellValue) -> String {
        switch value {
        case .null: "null"
        case .integer(let v): String(v)
        case .real(let v): v.description
        case .text(let v): v
        case .blob: "blob"
        }
    }
}
