import FeatureStoreCore
import Foundation
import SQLite

/// The offline store: one SQLite database (WAL mode) holding a history table per source, the log
/// of ingested files and the arrival sequence shared by every table.
public final class OfflineStore {
    public let path: String
    let database: Database

    /// Opens or creates the offline database at `path`.
    public init(path: String) throws {
        self.path = path
        do {
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            database = try Database(path: path)
            try database.execute(Self.schema)
        } catch let error as SQLiteError {
            throw FeatureStoreError.storage("cannot open the offline store at \(path): \(error)")
        }
    }

    static let schema = """
        CREATE TABLE IF NOT EXISTS offline_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS ingest_log (
            id INTEGER PRIMARY KEY, source TEXT NOT NULL, generation INTEGER NOT NULL, file TEXT NOT NULL,
            fingerprint TEXT NOT NULL, rows INTEGER NOT NULL, stored INTEGER NOT NULL, ingested_at INTEGER NOT NULL,
            forced INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS ingest_log_fingerprint ON ingest_log (source, generation, fingerprint);
        """

    /// What preparing the history tables did (printed by `fs apply`).
    public struct PrepareReport: Sendable, Equatable {
        /// Rows copied from a table of an earlier fs layout, per source.
        public var migratedRows: [String: Int] = [:]
        /// Columns added in place, per source.
        public var addedColumns: [String: [String]] = [:]

        public init() {}
    }

    /// Creates the tables of `tables` that do not exist yet and brings existing ones up to their
    /// source's definition, in one transaction: new columns are added in place (older rows read them
    /// as null), indexes follow `dedupe_on`, and a table of an earlier fs layout is copied, every
    /// row, into the new one. Safe to run again.
    @discardableResult
    public func prepare(_ tables: [HistoryTable]) throws -> PrepareReport {
        try storage {
            try database.transaction {
                var report = PrepareReport()
                let existing = try tableNames()
                for table in tables {
                    if existing.contains(table.name) {
                        let missing = try addMissingColumns(of: table, to: table.name)
                        if !missing.isEmpty { report.addedColumns[table.source.name] = missing }
                    } else {
                        try database.execute(table.createSQL)
                        if let legacy = Self.legacyTable(of: table, among: existing) {
                            report.migratedRows[table.source.name] = try migrate(legacy, into: table)
                        }
                    }
                    try database.execute(table.createSequenceIndexSQL)
                    if table.source.dedupeOn.isEmpty {
                        try database.execute("DROP INDEX IF EXISTS \(quoteIdentifier(table.dedupeIndexName))")
                    } else {
                        try database.execute(table.createDedupeIndexSQL)
                    }
                    if table.keepsReplacedVersions {
                        try database.execute(table.createReplacedSQL)
                        try addMissingColumns(of: table, to: table.replacedName)
                    }
                }
                return report
            }
        }
    }

    /// Adds the value columns of `table` missing from `name` (the history table or its replaced
    /// versions) in place; older rows read them as null.
    ///
    /// - Returns: the added columns.
    @discardableResult
    private func addMissingColumns(of table: HistoryTable, to name: String) throws -> [String] {
        let present = Set(try database.columns(of: name).map(\.name))
        let missing = table.valueColumns.filter { !present.contains($0.name) }
        for column in missing {
            try database.execute("ALTER TABLE \(quoteIdentifier(name)) ADD COLUMN \(column.declaration)")
        }
        return missing.map(\.name)
    }

    /// A history table of the layout before arrival numbers (`history_<source>_g<generation>_<hash>`,
    /// keyed by the views' join keys), if one is left for `table`'s source and generation.
    static func legacyTable(of table: HistoryTable, among names: Set<String>) -> String? {
        let prefix = table.name + "_"
        return names.sorted().first { name in
            guard name.hasPrefix(prefix) else { return false }
            let hash = name.dropFirst(prefix.count)
            return hash.count == 16 && hash.allSatisfy(\.isHexDigit)
        }
    }

    /// Copies every row of a legacy table into `table`, numbering them in (event, created) order.
    private func migrate(_ legacy: String, into table: HistoryTable) throws -> Int {
        let legacyColumns = Set(try database.columns(of: legacy).map(\.name))
        let shared = table.valueColumns.map(\.name).filter { legacyColumns.contains($0) }.map(quoteIdentifier)
        let count = Int(try database.scalarInt("SELECT COUNT(*) FROM \(quoteIdentifier(legacy))") ?? 0)
        let first = try allocateSequence(count)
        let target = [HistoryTable.eventColumn, HistoryTable.sequenceColumn, HistoryTable.createdColumn] + shared
        let selected =
            [
                HistoryTable.eventColumn,
                "\(first - 1) + row_number() OVER (ORDER BY \(HistoryTable.eventColumn), \(HistoryTable.createdColumn))",
                HistoryTable.createdColumn,
            ] + shared
        try database.execute(
            "INSERT INTO \(quoteIdentifier(table.name)) (\(target.joined(separator: ", "))) SELECT \(selected.joined(separator: ", ")) FROM \(quoteIdentifier(legacy))"
        )
        return count
    }

    /// Reserves `count` arrival numbers (call inside a write transaction) and returns the first.
    ///
    /// Numbers are unique across every history table and generation of this store, and grow with
    /// every ingest and push, so "arrived after n" is one comparison.
    func allocateSequence(_ count: Int) throws -> Int64 {
        let next = try database.scalarInt("SELECT value FROM offline_meta WHERE key = 'next_sequence'") ?? 1
        try database.prepare(
            "INSERT INTO offline_meta (key, value) VALUES ('next_sequence', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        ).run([.integer(next + Int64(count))])
        return next
    }

    /// The highest arrival number handed out so far (0 when none).
    public func lastSequence() throws -> Int64 {
        try storage {
            (try database.scalarInt("SELECT value FROM offline_meta WHERE key = 'next_sequence'") ?? 1) - 1
        }
    }

    /// Drops every history table (a name of fs's, ``HistoryTable/isHistoryName(_:)``) whose name is not in `keep`: the data of removed sources, of
    /// generations that a breaking change replaced, and of migrated legacy layouts (with their
    /// tables of replaced versions).
    public func dropHistoryTables(except keep: Set<String>) throws {
        try storage {
            try database.transaction {
                for name in try tableNames()
                where HistoryTable.isHistoryName(name)
                    && !keep.contains(HistoryTable.historyName(ofReplaced: name) ?? name)
                {
                    try database.execute("DROP TABLE IF EXISTS \(quoteIdentifier(name))")
                }
            }
        }
    }

    /// The names of the history tables in the database.
    private func tableNames() throws -> Set<String> {
        let statement = try database.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'history\\_%' ESCAPE '\\'")
        var names: Set<String> = []
        while try statement.step() { names.insert(statement.text(0)) }
        return names
    }

    /// How many rows a history table holds (0 when it does not exist).
    public func rowCount(_ table: HistoryTable) throws -> Int64 {
        try storage {
            guard try database.tableExists(table.name) else { return 0 }
            return try database.scalarInt("SELECT COUNT(*) FROM \(quoteIdentifier(table.name))") ?? 0
        }
    }

    /// Fails with a clear message when `table` does not exist (call inside the writing transaction,
    /// so a write never lands in a table an apply has just dropped).
    func requireTable(_ table: HistoryTable) throws {
        guard try database.tableExists(table.name) else {
            if Self.legacyTable(of: table, among: try tableNames()) != nil {
                throw FeatureStoreError(
                    .conflict,
                    "the offline history of source '\(table.source.name)' is stored in the layout of an earlier fs version; run fs apply to migrate it (every row is kept)"
                )
            }
            throw FeatureStoreError(
                .conflict,
                "source '\(table.source.name)' has no offline history table for generation \(table.generation): the definitions changed (fs apply) while this write was prepared, or fs apply has not run yet; nothing was written, retry"
            )
        }
    }

    func storage<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SQLiteError {
            if error.isBusy {
                throw FeatureStoreError(
                    .locked, "the offline store at \(path) is locked by another fs process; try again when it finishes")
            }
            throw FeatureStoreError.storage("offline store at \(path): \(error)")
        }
    }
}
