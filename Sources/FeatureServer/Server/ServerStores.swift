import FeatureStoreKit
import Foundation
import Logging

/// The server's store work, on three ``StoreLane``s so that no kind of work waits behind another:
///
/// - the **registry lane** reads: registry versions and snapshots (the registry watcher), the
///   checks behind `/health`, watermarks. SQLite readers in WAL mode never wait for a writer, so
///   nothing on this lane is parked by SQLite's busy timeout.
/// - the **offline lane** appends pushed rows to the offline history (it may wait, up to the busy
///   timeout, while `fs ingest` writes).
/// - the **job lane** runs materializations (requested or scheduled; one at a time, so two never
///   overlap) and the deletion of stale online data after a reload (after a running
///   materialization, never under it).
///
/// Lookups use none of them (they read RocksDB through the snapshot's reader); `/health` and
/// `/metrics` read ``health`` and ``watermarks``, which the lanes keep up to date. RocksDB is
/// opened once, here, and shared by the lanes and the read path.
public final class ServerStores: Sendable {
    /// The online store, opened once and shared with the read path.
    public let onlineStore: any OnlineStoreBackend
    public let config: RepoConfig
    public let repoPath: String
    /// The outcome of the latest check of the stores, for `/health`.
    public let health = StoreHealth()
    /// The watermarks as last read, for `/metrics`.
    public let watermarks = WatermarkCache()

    private let registryLane: StoreLane
    private let offlineLane: StoreLane
    private let jobLane: StoreLane

    /// Opens the repo and its online store.
    ///
    /// - Throws: `locked` when another process holds the online store.
    public init(repo path: String, clock: @escaping @Sendable () -> Timestamp) throws {
        let opener = try FeatureStore(repo: path, clock: clock)
        let onlineStore = try opener.onlineStore()
        self.onlineStore = onlineStore
        self.config = opener.config
        self.repoPath = path
        registryLane = try StoreLane(label: "fs.registry", repo: path, clock: clock, onlineStore: onlineStore)
        offlineLane = try StoreLane(label: "fs.offline", repo: path, clock: clock, onlineStore: onlineStore)
        jobLane = try StoreLane(label: "fs.jobs", repo: path, clock: clock, onlineStore: onlineStore)
    }

    // MARK: Registry lane

    /// Everything registered now.
    public func snapshot() async throws -> RegistrySnapshot {
        try await registryLane.run { try $0.snapshot() }
    }

    /// The materialization watermarks of the views of `snapshot` (read now, not the cache).
    public func watermarks(for snapshot: RegistrySnapshot) async throws -> [String: Watermark] {
        try await registryLane.run { try $0.registry().watermarks(for: snapshot) }
    }

    /// Checks that the registry and both stores answer, records the outcome in ``health`` and
    /// returns the registry version.
    ///
    /// - Throws: what the failing store threw (also recorded).
    public func check() async throws -> Int64 {
        health.begin()
        do {
            let version = try await registryLane.run { store in
                let version = try store.registry().version()
                _ = try store.offlineStore()
                try store.onlineStore().check()
                return version
            }
            health.end(failure: nil)
            return version
        } catch {
            health.end(failure: "\(error)")
            throw error
        }
    }

    /// Reads the watermarks of `snapshot`'s views into ``watermarks``.
    func refreshWatermarks(for snapshot: RegistrySnapshot) async throws {
        watermarks.replace(with: try await watermarks(for: snapshot))
    }

    // MARK: Offline lane

    /// Appends rows to a source's offline history, all or nothing.
    public func appendOffline(_ rows: [[FeatureValue]], to table: HistoryTable) async throws -> AppendResult {
        try await offlineLane.run { try $0.offlineStore().append(rows: rows, to: table) }
    }

    /// After a push replaced events of `views`' source: online rows still showing a replaced
    /// version take the entity's newest remaining row (``FeatureStore/takeBackReplacedVersions(views:snapshot:arrivedAfter:)``).
    public func takeBackReplacedVersions(
        views: [FeatureView], snapshot: RegistrySnapshot, arrivedAfter: Int64
    ) async throws -> Int {
        try await offlineLane.run {
            try $0.takeBackReplacedVersions(views: views, snapshot: snapshot, arrivedAfter: arrivedAfter)
        }
    }

    // MARK: Job lane

    /// `fs materialize START END` in the server; ``watermarks`` is refreshed after it.
    public func materialize(
        from: Timestamp, to: Timestamp, views: [String]?, trigger: MaterializationRun.Trigger
    ) async throws -> MaterializationReport {
        try await job { try $0.materialize(from: from, to: to, views: views, trigger: trigger) }
    }

    /// `fs materialize-incremental END` in the server; ``watermarks`` is refreshed after it.
    public func materializeIncremental(
        to: Timestamp, views: [String]?, trigger: MaterializationRun.Trigger
    ) async throws -> MaterializationReport {
        try await job { try $0.materializeIncremental(to: to, views: views, trigger: trigger) }
    }

    /// The newest recorded materialization runs (of `view`, or of all views), from the registry.
    public func runs(view: String? = nil, limit: Int) async throws -> [MaterializationRun] {
        try await registryLane.run { try $0.registry().runs(view: view, limit: limit) }
    }

    /// Deletes the online data of views and generations that the snapshot `state` serves when
    /// this runs no longer points at (after a running materialization, which may still write under
    /// an older snapshot). No snapshot is swapped in meanwhile, so data written under a newer one
    /// is never taken for stale.
    public func dropStaleKeyspaces(servedBy state: ServerState) async throws {
        try await jobLane.run { store in
            try state.withSwapsHeld { current in
                try store.onlineStore().dropKeyspaces(except: current.snapshot.onlineKeyspaces)
            }
        }
    }

    /// Runs a materialization on the job lane, then reads the watermarks it moved (on the same
    /// lane, through its own connection) into ``watermarks``.
    private func job(
        _ run: @escaping @Sendable (FeatureStore) throws -> MaterializationReport
    ) async throws -> MaterializationReport {
        let cache = watermarks
        return try await jobLane.run { store in
            let report = try run(store)
            do {
                cache.replace(with: try store.registry().watermarks(for: try store.snapshot()))
            } catch {
                // The run itself succeeded (its answer says so); only /metrics lags until the next
                // run or registry reload refreshes the marks. Said, not swallowed.
                Logger(label: "fs.server").error(
                    "a materialization finished, but its watermarks could not be read for /metrics: \(error)")
            }
            return report
        }
    }
}
