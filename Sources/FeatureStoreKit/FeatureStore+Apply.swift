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
    /// it, named after each object's generation, so what the registry points at always exists.
    /// Changes that are not breaking never rewrite stored rows (a new source column is added in
    /// place); tables no definition points at any more (removed sources, replaced generations,
    /// layouts of earlier fs versions once migrated) are dropped after the commit, with the offline
    /// profiles of the features they held (baselines stay).
    ///
    /// - Parameters:
    ///   - allowBreaking: apply breaking changes, dropping the data they invalidate.
    ///   - beforeCommit: a hook that runs just before the commit (tests use it to fail an apply).
    @discardableResult
    public func apply(
        allowBreaking: Bool = false, beforeCommit: (() throws -> Void)? = nil
    ) throws -> ApplyResult {
        let repository = try loadRepository()
        let offline = try offlineStore()
        var prepared = OfflineStore.PrepareReport()
        var result = try registry().apply(
            repository.definitions, project: config.project, allowBreaking: allowBreaking, now: clock()
        ) { _, after in
            prepared = try offline.prepare(historyTables(after))
            try requireServedLogNamesFit(after.definitions)
            try beforeCommit?()
            try FaultInjection.trigger(.applyBeforeCommit)
        }
        // With nothing to register, the stores may still need bringing up to date (a history
        // table of an earlier fs version's layout is migrated here).
        if result.plan.isEmpty { prepared = try offline.prepare(historyTables(result.after)) }
        for (source, count) in prepared.migratedRows.sorted(by: { $0.key < $1.key }) {
            result.notes.append("Migrated \(count) rows of source '\(source)' to the current history layout.")
        }
        for (source, columns) in prepared.addedColumns.sorted(by: { $0.key < $1.key }) {
            result.notes.append(
                "Added column\(columns.count == 1 ? "" : "s") \(columns.map { "'\($0)'" }.joined(separator: ", ")) to the history of source '\(source)' (rows stored before read null there)."
            )
        }
        try offline.dropHistoryTables(except: Set(historyTables(result.after).map(\.name)))
        // Profiles of removed sources, views and features and of replaced generations go with them.
        try dropStaleOfflineProfiles(result.after)
        // The online data of removed views and replaced generations goes too, unless a running
        // server holds the store (it drops them when it picks up the new registry version).
        if !result.plan.isEmpty, let online = try? onlineStore() {
            try online.dropKeyspaces(except: result.after.onlineKeyspaces)
        }
        return result
    }

    /// The offline history tables a snapshot points at (sources read in place have none).
    public func historyTables(_ snapshot: RegistrySnapshot) -> [HistoryTable] {
        snapshot.definitions.sources.filter { !$0.readsInPlace }.map {
            HistoryTable(
                source: $0, generation: snapshot.generation(ofSource: $0.name), definitions: snapshot.definitions)
        }
    }
}
