import FeatureStoreCore
import OfflineStoreSQLite
import OnlineStoreRocksDB

extension FeatureStore {
    /// Takes back replaced versions (see below) for the snapshot views among `views` after a push
    /// replaced events, so the push's corrections are served at once rather than after the next
    /// materialization.
    ///
    /// - Parameter arrivedAfter: the arrival number before the push's first row.
    /// - Returns: how many online rows changed.
    @discardableResult
    public func takeBackReplacedVersions(
        views: [FeatureView], snapshot: RegistrySnapshot, arrivedAfter: Int64
    ) throws -> Int {
        let online = try onlineStore()
        let offline = try offlineStore()
        var changed = 0
        for view in views where view.online && !view.isAggregate {
            changed += try takeBackReplacedVersions(
                of: view, history: historyLocation(of: view, in: snapshot),
                joinKeys: snapshot.definitions.joinKeys(of: view), table: OnlineTable(view, in: snapshot),
                arrivedAfter: arrivedAfter, online: online, offline: offline)
        }
        return changed
    }

    /// Takes back online rows of a snapshot view that show a version of an event which a later
    /// version replaced at an earlier event time or under another entity (a source with
    /// `dedupe_on`): such an entity's row becomes its newest remaining offline row, or goes when it
    /// has none. Monotonic writes alone would keep the replaced version, since what replaced it
    /// looks older.
    ///
    /// - Parameter arrivedAfter: only versions replaced since this arrival number (all when `nil`).
    /// - Returns: how many online rows changed.
    func takeBackReplacedVersions(
        of view: FeatureView, history: HistoryLocation, joinKeys: [JoinKey], table: OnlineTable,
        arrivedAfter: Int64?, online: any OnlineStoreBackend, offline: any OfflineHistoryStore
    ) throws -> Int {
        let replaced = try offline.replacedVersions(
            history: history, viewName: view.name, joinKeys: joinKeys, arrivedAfter: arrivedAfter)
        // Only entities whose online row still shows a replaced version need their newest row.
        let candidates = Array(Set(replaced))
        if candidates.isEmpty { return 0 }
        let stored = try online.storedTimes(candidates.map(\.key), in: table)
        var showing: [ReplacedVersion] = []
        for (version, times) in zip(candidates, stored) {
            guard let times, times == (version.eventTime, version.createdTime) else { continue }
            showing.append(version)
        }
        guard let until = showing.map(\.eventTime).max() else { return 0 }
        var newest: [[FeatureValue]: LatestRow] = [:]
        try offline.scanLatestRows(
            history: history, viewName: view.name, joinKeys: joinKeys, features: view.features, from: .distantPast,
            to: until, arrivedAfter: nil, entities: Set(showing.map(\.key)), batchSize: 10_000
        ) { batch in
            for row in batch { newest[row.key] = row }
        }
        let names = view.features.map(\.name)
        return try online.takeBack(
            showing.map { version in
                OnlineStore.TakeBack(
                    key: version.key, replaced: (version.eventTime, version.createdTime),
                    record: newest[version.key].map { row in
                        OnlineRecord(
                            eventTime: row.eventTime, createdTime: row.createdTime,
                            values: Array(zip(names, row.values)))
                    })
            }, in: table, features: names)
    }
}
