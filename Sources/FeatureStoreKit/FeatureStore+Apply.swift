import FeatureRegistry
import FeatureRepo
import FeatureStoreCore
import Foundation
import OfflineStoreSQLite

extension FeatureStore {
    /// What `apply` would change, without changing anything.
    public func plan() throws -> RegistryPlan {
        let repository = try loadRepository()
        let before = try snapshot()
        return RegistryPlan(from: before.definitions, to: repository.definitions)
    }

    /// Registers the repo's definitions and prepares the stores, all or nothing.
    ///
    /// The registry changes in one SQLite transaction; the stores' new tables are created inside
    /// it, named after each object's generation and layout, so what the registry points at always
    /// exists. Tables no definition points at any more are dropped after the commit.
    ///
    /// - Parameters:
    ///   - allowBreaking: apply breaking changes, dropping the data they invalidate.
    ///   - beforeCommit: a hook that runs just before the commit (tests use it to fail an apply).
    public func apply(
        allowBreaking: Bool = false, beforeCommit: (() throws -> Void)? = nil
    ) throws -> ApplyResult {
        let repository = try loadRepository()
        let offline = try offlineStore()
        let result = try registry().apply(
            repository.definitions, project: config.project, allowBreaking: allowBreaking, now: clock()
        ) { before, after in
            let previous = Dictionary(
                historyTables(before).map { ($0.source.name, $0) }, uniquingKeysWith: { a, _ in a })
            // A breaking change starts an empty table; any other layout change copies the rows over.
            let copyable = previous.filter { name, table in
                after.generation(ofSource: name) == table.generation
            }
            try offline.prepare(historyTables(after), copyingFrom: copyable)
            try beforeCommit?()
            try FaultInjection.trigger(.applyBeforeCommit)
        }
        try offline.dropHistoryTables(except: Set(historyTables(result.after).map(\.name)))
        // The online data of removed views and replaced generations goes too, unless a running
        // server holds the store (it drops them when it picks up the new registry version).
        if !result.plan.isEmpty, let online = try? onlineStore() {
            try online.dropKeyspaces(except: onlineKeyspaces(result.after))
        }
        return result
    }

    /// Deletes the registry and both stores.
    public func teardown() throws {
        let manager = FileManager.default
        var paths = [config.registryPath, config.offlineStorePath, config.onlineStorePath]
        for path in [config.registryPath, config.offlineStorePath] { paths += [path + "-wal", path + "-shm"] }
        paths.append(config.onlineStorePath + ".materialize.lock")
        for path in paths where manager.fileExists(atPath: path) {
            do {
                try manager.removeItem(atPath: path)
            } catch {
                throw FeatureStoreError.io("cannot remove \(path): \(error.localizedDescription)")
            }
        }
    }

    /// The offline history tables a snapshot points at (sources read in place have none).
    public func historyTables(_ snapshot: RegistrySnapshot) -> [HistoryTable] {
        snapshot.definitions.sources.filter { $0.kind != .sqlite }.map {
            HistoryTable(
                source: $0, generation: snapshot.generation(ofSource: $0.name), definitions: snapshot.definitions)
        }
    }
}
