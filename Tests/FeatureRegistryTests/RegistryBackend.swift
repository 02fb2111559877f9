import FeatureRegistry
import FeatureStoreCore
import Foundation
import PostgresClient
import PostgresTestSupport
import RegistryPostgres
import SQLite
import Testing

/// The registry backends every registry behaviour test runs against: the SQLite file and
/// PostgreSQL (a throwaway cluster per test).
enum RegistryBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }
}

/// One registry under test, and how to reach the same registry again (another process would)
/// and read every row of it.
struct RegistryFixture {
    let backend: RegistryBackend
    let registry: any RegistryStore
    /// A second handle on the same registry.
    let reopen: () throws -> any RegistryStore
    /// Every row of every registry table, as text.
    let dump: () throws -> [String]
}

/// The registry tables, in the order ``RegistryFixture/dump`` lists them.
let registryTables = [
    "registry_meta", "registry_objects", "registry_history", "materialization_watermarks", "materialization_runs",
]

/// Runs `body` with a fresh, empty registry of `backend`, removing it afterwards (the PostgreSQL
/// cluster is stopped and deleted whether `body` succeeded or threw).
func withRegistry(_ backend: RegistryBackend, _ body: (RegistryFixture) throws -> Void) async throws {
    switch backend {
    case .sqlite:
        let directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("registry-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = (directory as NSString).appendingPathComponent("registry.db")
        let registry = try Registry(path: path)
        try body(
            RegistryFixture(
                backend: backend, registry: registry, reopen: { try Registry(path: path) },
                dump: { try sqliteDump(path) }))
    case .postgres:
        try await withPostgresServer { server in
            let settings = server.settings(schema: "fs")
            let registry = try PostgresRegistry(settings: settings, environment: server.environment)
            defer { registry.close() }
            let reader = PostgresSession(settings: settings, password: server.password)
            defer { reader.close() }
            try body(
                RegistryFixture(
                    backend: backend, registry: registry,
                    reopen: { try PostgresRegistry(settings: settings, environment: server.environment) },
                    dump: { try postgresDump(reader) }))
        }
    }
}

private func sqliteDump(_ path: String) throws -> [String] {
    let database = try Database(path: path)
    var rows: [String] = []
    for table in registryTables {
        let statement = try database.prepare("SELECT * FROM \(table) ORDER BY 1, 2")
        while try statement.step() {
            rows.append(
                table + ": " + (0..<statement.columnCount).map { "\(statement.value($0))" }.joined(separator: " | "))
        }
    }
    return rows
}

private func postgresDump(_ session: PostgresSession) throws -> [String] {
    var rows: [String] = []
    for table in registryTables {
        for row in try session.query("SELECT t::text FROM fs.\(table) t ORDER BY t::text COLLATE \"C\"") {
            rows.append(table + ": " + (try row.text(0)))
        }
    }
    return rows
}
