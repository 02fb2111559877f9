import FeatureProfiles
import FeatureRegistry
import FeatureStoreCore
import OfflineStoreSQLite

extension FeatureStore {
    /// The view features profiled in the offline history of `source`: every feature of the
    /// snapshot views reading it (an aggregate view's values are computed at read time; the
    /// history holds only its input events).
    public func offlineProfileColumns(of source: Source, definitions: RepoDefinitions) -> [OfflineProfileColumn] {
        var columns: [OfflineProfileColumn] = []
        for view in definitions.featureViews where view.source == source.name && !view.isAggregate {
            for feature in view.features {
                guard let column = source.column(feature.name) else { continue }
                columns.append(
                    OfflineProfileColumn(
                        feature: ProfiledFeature(view: view.name, feature: feature.name), column: column))
            }
        }
        return columns
    }

    /// Brings the offline profiles of a source up to date with its stored rows: the call that
    /// follows every ingest and push (see ``ProfileStore/updateProfiles(of:columns:now:arrived:)``);
    /// `arrived` is the ingest's ``IngestResult/arrivedProfiles``, which spares reading its rows back.
    ///
    /// - Returns: what was done; `nil` for a source with no history table (`sqlite` sources are
    ///   read in place and profiled on demand) or no snapshot view over it.
    /// - Throws: `notFound` for an unknown source; `conflict`, `storage`.
    @discardableResult
    public func updateOfflineProfiles(source name: String, arrived: ArrivedProfiles? = nil) throws
        -> ProfileUpdateResult?
    {
        let snapshot = try snapshot()
        guard snapshot.definitions.source(name) != nil else {
            let names = snapshot.definitions.sources.map(\.name)
            throw FeatureStoreError.notFound(
                "no source '\(name)' is registered.\(Suggestion.didYouMean(name, in: names)) Registered sources: \(Suggestion.list(names))."
            )
        }
        guard let table = historyTables(snapshot).first(where: { $0.source.name == name }) else { return nil }
        return try updateOfflineProfiles(table: table, snapshot: snapshot, arrived: arrived)
    }

    /// ``updateOfflineProfiles(source:)`` for a caller that holds the table and the snapshot it
    /// wrote with (the server's push path).
    @discardableResult
    public func updateOfflineProfiles(
        table: HistoryTable, snapshot: RegistrySnapshot, arrived: ArrivedProfiles? = nil
    ) throws -> ProfileUpdateResult? {
        let columns = offlineProfileColumns(of: table.source, definitions: snapshot.definitions)
        guard !columns.isEmpty else { return nil }
        return try offlineStore().updateProfiles(of: table, columns: columns, now: clock(), arrived: arrived)
    }

    /// Deletes offline profiles no registered view feature names any more (removed sources,
    /// views or features, replaced generations). Safe to call after every apply.
    public func dropStaleOfflineProfiles(_ snapshot: RegistrySnapshot) throws {
        var keep: [ProfileSource: Set<ProfiledFeature>] = [:]
        for table in historyTables(snapshot) {
            let source = ProfileSource.offline(source: table.source.name, generation: table.generation)
            keep[source] = Set(
                offlineProfileColumns(of: table.source, definitions: snapshot.definitions).map(\.feature))
        }
        try offlineStore().dropOfflineProfiles(except: keep)
    }

    /// The time range of a window of `length` ending now: from the hour boundary at or after now,
    /// back by `length` (so `1d` is the last 24 hourly buckets, the current one included).
    public func profileWindow(_ length: TimeSpan) -> (start: Timestamp, end: Timestamp) {
        let end = ProfileBuckets.hourEnd(after: clock())
        return (end.subtractingClamped(length), end)
    }

    /// Resolves `view` or `view:feature` to view features, with messages that suggest names.
    func profiledFeatures(of reference: String, definitions: RepoDefinitions) throws -> (FeatureView, [Feature]) {
        let parts = reference.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let viewName = parts[0]
        guard let view = definitions.featureView(viewName) else {
            let names = definitions.featureViews.map(\.name)
            throw FeatureStoreError.notFound(
                "no feature view '\(viewName)' is registered.\(Suggestion.didYouMean(viewName, in: names)) Registered views: \(Suggestion.list(names))."
            )
        }
        guard parts.count == 2, parts[1] != "*" else { return (view, view.outputFeatures) }
        guard let feature = view.feature(named: parts[1]) else {
            let names = view.outputFeatures.map(\.name)
            throw FeatureStoreError.notFound(
                "feature view '\(view.name)' has no feature '\(parts[1])'.\(Suggestion.didYouMean(parts[1], in: names)) Its features: \(Suggestion.list(names))."
            )
        }
        return (view, [feature])
    }

    /// The message when served-log profiles are asked for and none exist.
    static func noServedLogs(_ what: String) -> FeatureStoreError {
        FeatureStoreError.notFound(
            "no served logs exist yet: no feature service has logged the values it served, so there are no served profiles of \(what). Give the feature service `logging: { sample_rate: 1 }`, fs apply, and serve it with fs serve (profiles are written as the log is flushed); or use --source offline for the offline history"
        )
    }
}
