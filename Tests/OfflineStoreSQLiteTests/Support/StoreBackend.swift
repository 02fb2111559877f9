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

    /// Runs `body` with a way to open stores on this backend, on a thread of its own
    /// (``OwnThreadExecutor``, in the test's own task: never holding one of the cooperative pool's
    /// two threads, even while it waits for threads it started). Every PostgreSQL store it opened
    /// through the opener is closed afterwards.
    func run(_ body: (StoreOpener) throws -> Void) async throws {
        switch self {
        case .sqlite:
            try await withTaskExecutorPreference(OwnThreadExecutor.shared) { try body(StoreOpener(server: nil)) }
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
        try open(location(in: directory))
    }

    /// A new, empty store in a new directory or schema named after `label`.
    func store(_ label: String) throws -> any OfflineHistoryStore { try open(location(label)) }

    /// Where a new, empty store goes (`label` names its directory or schema); open it with
    /// ``StoreLocation/open()``, as many times as connections are needed.
    func location(_ label: String) -> StoreLocation { location(in: TestDirectory(label), label: label) }

    private func location(in directory: TestDirectory, label: String = "t") -> StoreLocation {
        guard let server else { return .sqlite(path: directory.file("offline.db")) }
        // Unique in the shared cluster: tests running at once may use the same label.
        let prefix = label.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? String($0) : "_" }.joined()
        let unique = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let schema = "s" + prefix.prefix(24) + "_" + unique.prefix(16)
        return .postgres(settings: server.settings(schema: schema), password: server.password)
    }

    private func open(_ location: StoreLocation) throws -> any OfflineHistoryStore {
        let store = try location.open()
        if let postgres = store as? PostgresOfflineStore { opened.withLock { $0.append(postgres) } }
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

/// Where a test store lives; ``open()`` makes another connection to it (another process, in effect).
enum StoreLocation: Sendable {
    case sqlite(path: String)
    case postgres(settings: PostgresSettings, password: String)

    func open() throws -> any OfflineHistoryStore {
        switch self {
        case .sqlite(let path): try OfflineStore(path: path)
        case .postgres(let settings, let password): try PostgresOfflineStore(settings: settings, password: password)
        }
    }
}
