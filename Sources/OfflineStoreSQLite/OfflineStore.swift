import FeatureStoreCore
import Foundation
import SQLite

/// The offline store: one SQLite database (WAL mode) holding a history table per source.
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
        } catch let error as SQLiteError {
            throw FeatureStoreError.storage("cannot open the offline store at \(path): \(error)")
        }
    }

    /// Creates the tables of `tables` that do not exist yet, copying rows from the previous layout
    /// of the same source when given. Safe to run again: an existing table is left as it is.
    public func prepare(_ tables: [HistoryTable], copyingFrom previous: [String: HistoryTable] = [:]) throws {
        try storage {
            try database.transaction {
                for table in tables where try !database.tableExists(table.name) {
                    try database.execute(table.createSQL)
                    guard let old = previous[table.source.name], old.name != table.name,
                        try database.tableExists(old.name)
                    else { continue }
                    let oldColumns = Set(old.columnNames)
                    let shared = table.columnNames.filter { oldColumns.contains($0) }.map(quoteIdentifier)
                    let list = shared.joined(separator: ", ")
                    try database.execute(
                        "INSERT OR IGNORE INTO \(quoteIdentifier(table.name)) (\(list)) SELECT \(list) FROM \(quoteIdentifier(old.name))"
                    )
                }
            }
        }
    }

    /// Drops every history table whose name is not in `keep`: the data of removed sources and of
    /// layouts that a newer generation replaced.
    public func dropHistoryTables(except keep: Set<String>) throws {
        try storage {
            let statement = try database.prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'history\\_%' ESCAPE '\\'")
            var drop: [String] = []
            while try statement.step() {
                let name = statement.text(0)
                if !keep.contains(name) { drop.append(name) }
            }
            for name in drop { try database.execute("DROP TABLE IF EXISTS \(quoteIdentifier(name))") }
        }
    }

    /// How many rows a history table holds (0 when it does not exist).
    public func rowCount(_ table: HistoryTable) throws -> Int64 {
        try storage {
            guard try database.tableExists(table.name) else { return 0 }
            return try database.scalarInt("SELECT COUNT(*) FROM \(quoteIdentifier(table.name))") ?? 0
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
