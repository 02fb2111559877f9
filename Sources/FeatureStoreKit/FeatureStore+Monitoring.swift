import FeatureProfiles
import FeatureRegistry
import FeatureStoreCore
import OfflineStoreSQLite

/// What the server's monitoring gauges show, computed at once in the background: the newest event
/// of each view, the null ratio of each profiled feature over a recent window, and the drift of each
/// feature service that declares a monitoring baseline.
public struct MonitoringFigures: Sendable {
    /// The newest event time in the offline history, by view (views over `sqlite` sources, read in
    /// place, and views with no rows are absent).
    public var newestEvents: [String: Timestamp] = [:]
    /// The share of nulls among a feature's values in the window (features without values in the
    /// window are absent).
    public var nullRatios: [ProfiledFeature: Double] = [:]
    /// The drift report of each service with `monitoring: { baseline: ... }`.
    public var drift: [DriftReport] = []
    /// Why a monitored service has no report (its baseline is not saved, ...), by service.
    public var driftProblems: [String: String] = [:]
    /// The latest stored `fs consistency` run of each service that has one.
    public var consistency: [ServedConsistencyRun] = []
    /// When the figures were computed.
    public var computedAt: Timestamp

    public init(computedAt: Timestamp) { self.computedAt = computedAt }
}

extension FeatureStore {
    /// The newest event time of each view's offline history: one key probe per source table.
    public func newestEvents(_ snapshot: RegistrySnapshot) throws -> [String: Timestamp] {
        let offline = try offlineStore()
        var bySource: [String: Timestamp] = [:]
        for table in historyTables(snapshot) {
            if let newest = try offline.newestEventTime(of: table) { bySource[table.source.name] = newest }
        }
        var result: [String: Timestamp] = [:]
        for view in snapshot.definitions.featureViews {
            if let newest = bySource[view.source] { result[view.name] = newest }
        }
        return result
    }

    /// The figures behind the monitoring gauges: newest events, null ratios over the last `window`
    /// of the offline history (stored hourly profiles, brought up to date first: one scan of the
    /// rows that arrived since the last update per source), the drift of every service with a
    /// monitoring baseline (its own window and thresholds), and the latest stored `fs consistency`
    /// run of each service.
    ///
    /// A service whose drift cannot be computed (its baseline is not saved yet) is listed in
    /// ``MonitoringFigures/driftProblems``, not thrown: one bad service never hides the others.
    public func monitoringFigures(window: TimeSpan = .days(1)) throws -> MonitoringFigures {
        let snapshot = try snapshot()
        let definitions = snapshot.definitions
        var figures = MonitoringFigures(computedAt: clock())
        figures.newestEvents = try newestEvents(snapshot)
        let offline = try offlineStore()
        let (start, end) = profileWindow(window)
        for table in historyTables(snapshot) {
            let columns = offlineProfileColumns(of: table.source, definitions: definitions)
            if columns.isEmpty { continue }
            try offline.updateProfiles(of: table, columns: columns, now: clock())
            let origin = ProfileSource.offline(source: table.source.name, generation: table.generation)
            for column in columns {
                guard
                    let stored = try offline.storedProfile(of: origin, feature: column.feature, from: start, to: end),
                    stored.profile.count > 0
                else { continue }
                figures.nullRatios[column.feature] = stored.profile.nullRatio
            }
        }
        figures.consistency = try offline.latestConsistencyRuns()
        for service in definitions.featureServices where service.monitoring?.baseline != nil {
            do {
                figures.drift.append(try drift(DriftRequest(service: service.name)))
            } catch let error as FeatureStoreError {
                figures.driftProblems[service.name] = error.message
            }
        }
        return figures
    }
}
