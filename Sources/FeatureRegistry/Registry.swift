import FeatureStoreCore
import Foundation
import SQLite

/// The registry of applied definitions, in a SQLite file.
///
/// Each object is stored as JSON with a version and a generation; the registry as a whole has a
/// version that grows with every apply. An apply is one SQLite transaction, so it happens whole or
/// not at all, even when the process is killed.
public final class Registry {
    let database: Database
    public let path: String

    /// Where the registry is, for messages: its file.
    public var location: String { path }

    /// Opens the registry at `path`, creating the file and its tables when missing.
    public init(path: String) throws {
        self.path = path
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        do {
            database = try Database(path: path)
            try database.execute(Self.schema)
            try database.execute(Self.runsSchema)
            // Registries written before arrival marks existed: 0 means "every row is late once".
            if try !database.columns(of: "materialization_watermarks").contains(where: { $0.name == "arrival" }) {
                try database.execute(
                    "ALTER TABLE materialization_watermarks ADD COLUMN arrival INTEGER NOT NULL DEFAULT 0")
            }
        } catch let error as SQLiteError {
            throw FeatureStoreError.storage("cannot open the registry at \(path): \(error)")
        }
    }

    static let schema = """
        CREATE TABLE IF NOT EXISTS registry_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS registry_objects (
            kind TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL, generation INTEGER NOT NULL,
            spec TEXT NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (kind, name));
        CREATE TABLE IF NOT EXISTS registry_history (
            version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL, summary TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS materialization_watermarks (
            view TEXT NOT NULL, generation INTEGER NOT NULL, watermark INTEGER NOT NULL,
            arrival INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL, PRIMARY KEY (view, generation));
        """

    /// The registry version alone: one indexed read, cheap enough to poll.
    public func version() throws -> Int64 {
        try storage {
            try database.scalarInt("SELECT CAST(value AS INTEGER) FROM registry_meta WHERE key = 'version'") ?? 0
        }
    }

    /// Everything registered.
    public func snapshot() throws -> RegistrySnapshot {
        try storage { try readSnapshot() }
    }

    func readSnapshot() throws -> RegistrySnapshot {
        let project = try meta("project")
        let version = Int64(try meta("version") ?? "0") ?? 0
        var builder = RegistrySnapshotBuilder()
        let statement = try database.prepare(
            "SELECT kind, name, version, generation, spec, updated_at FROM registry_objects ORDER BY kind, name")
        while try statement.step() {
            try builder.add(
                kind: statement.text(0), name: statement.text(1),
                record: ObjectRecord(
                    version: statement.int64(2), generation: statement.int64(3),
                    updatedAt: Timestamp(microseconds: statement.int64(5))),
                spec: statement.text(4))
        }
        var snapshot = builder.snapshot(project: project, version: version)
        let retired = try database.prepare(
            "SELECT key, value FROM registry_meta WHERE substr(key, 1, length(?1)) = ?1")
        try retired.bind([.text(RegistrySnapshot.retiredKeyPrefix)])
        while try retired.step() { snapshot.addRetired(key: retired.text(0), value: retired.text(1)) }
        return snapshot
    }

    private func meta(_ key: String) throws -> String? {
        let statement = try database.prepare("SELECT value FROM registry_meta WHERE key = ?")
        try statement.bind([.text(key)])
        return try statement.step() ? statement.text(0) : nil
    }

    /// Maps SQLite's errors to ``FeatureStoreError``.
    func storage<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SQLiteError {
            if error.isBusy {
                throw FeatureStoreError(
                    .locked, "the registry at \(path) is locked by another fs process; try again when it finishes")
            }
            throw FeatureStoreError.storage("registry at \(path): \(error)")
        }
    }
}
