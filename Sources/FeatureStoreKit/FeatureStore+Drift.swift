import FeatureProfiles
import FeatureRegistry
import FeatureStoreCore
import OfflineStoreSQLite

/// What `fs drift` asks for.
public struct DriftRequest: Sendable {
    public var service: String
    /// The baseline; `nil` takes the service's `monitoring.baseline`.
    public var baseline: String?
    /// The window's length, ending now; `nil` takes the service's `monitoring.window` (default 1d).
    public var window: TimeSpan?
    /// Where the window's values come from.
    public var source: ProfileSourceKind
    /// Rules that make the report fail (`psi>0.25`).
    public var rules: [DriftRule]

    public init(
        service: String, baseline: String? = nil, window: TimeSpan? = nil, source: ProfileSourceKind = .offline,
        rules: [DriftRule] = []
    ) {
        self.service = service
        self.baseline = baseline
        self.window = window
        self.source = source
        self.rules = rules
    }
}

/// Drift of a feature service's features: what `fs drift` prints and `GET /drift` will answer.
public struct DriftReport: Sendable, Codable {
    public struct FeatureDrift: Sendable, Codable {
        public var view: String
        public var feature: String
        public var type: ValueType
        public var status: DriftStatus
        public var psi: Double?
        public var jensenShannon: Double?
        public var method: DriftMeasurement.Method?
        public var baselineCount: Int64
        public var windowCount: Int64
        public var baselineNullRatio: Double?
        public var windowNullRatio: Double?
        public var bins: [DriftBin]?
        /// Why there is no measurement, when there is none.
        public var note: String?

        enum CodingKeys: String, CodingKey {
            case view, feature, type, status, psi
            case jensenShannon = "js"
            case method
            case baselineCount = "baseline_count"
            case windowCount = "window_count"
            case baselineNullRatio = "baseline_null_ratio"
            case windowNullRatio = "window_null_ratio"
            case bins, note
        }
    }

    /// A rule that fired for a feature.
    public struct Firing: Sendable, Codable {
        public var view: String
        public var feature: String
        public var rule: String
        public var value: Double
    }

    public var service: String
    public var baseline: BaselineInfo
    public var source: ProfileSourceKind
    public var windowStart: Timestamp
    public var windowEnd: Timestamp
    public var thresholds: DriftThresholds
    public var features: [FeatureDrift]
    public var rules: [String]
    public var fired: [Firing]

    enum CodingKeys: String, CodingKey {
        case service, baseline, source
        case windowStart = "window_start"
        case windowEnd = "window_end"
        case thresholds, features, rules, fired
    }
}

extension FeatureStore {
    /// Compares each feature of a service in a window ending now with a saved baseline: PSI over
    /// the baseline's deciles and the Jensen-Shannon distance (top-k and `other` for categorical
    /// features), a status per feature from the service's thresholds (default: PSI ≥ 0.1 warns,
    /// ≥ 0.25 alerts), and the rules that fire.
    ///
    /// The window reads the offline profiles (brought up to date first) or the served-log
    /// profiles of the service. Aggregate features have no offline profile (the history holds
    /// their input events): they are reported without a measurement.
    ///
    /// - Throws: `notFound` for an unknown service or baseline, or served profiles when no served
    ///   logs exist; `invalidArgument` when no baseline is named.
    public func drift(_ request: DriftRequest) throws -> DriftReport {
        let snapshot = try snapshot()
        let definitions = snapshot.definitions
        guard let service = definitions.featureService(request.service) else {
            let names = definitions.featureServices.map(\.name)
            throw FeatureStoreError.notFound(
                "no feature service '\(request.service)' is registered.\(Suggestion.didYouMean(request.service, in: names)) Registered services: \(Suggestion.list(names))."
            )
        }
        let monitoring = service.monitoring ?? MonitoringSettings()
        guard let baselineName = request.baseline ?? monitoring.baseline else {
            throw FeatureStoreError.invalidArgument(
                "name the baseline to compare with: --baseline NAME, or `monitoring: { baseline: NAME }` on feature service '\(service.name)' (save one with fs get-training-set --feature-service \(service.name) --save-profile NAME)"
            )
        }
        let baseline = try requireBaseline(baselineName)
        let (start, end) = profileWindow(request.window ?? monitoring.window)
        let thresholds = DriftThresholds(psiWarn: monitoring.psiWarn, psiAlert: monitoring.psiAlert)
        let windows = try windowProfiles(
            of: service, source: request.source, from: start, to: end, snapshot: snapshot)
        var report = DriftReport(
            service: service.name, baseline: baseline.info, source: request.source, windowStart: start,
            windowEnd: end, thresholds: thresholds, features: [], rules: request.rules.map(\.description), fired: [])
        for (view, feature) in Self.features(of: service, definitions: definitions) {
            let key = ProfiledFeature(view: view.name, feature: feature.name)
            var entry = DriftReport.FeatureDrift(
                view: view.name, feature: feature.name, type: feature.type, status: .noData, baselineCount: 0,
                windowCount: 0)
            let base = baseline.profiles[key]
            let window = windows.profiles[key]
            entry.baselineCount = base?.valueCount ?? 0
            entry.windowCount = window?.valueCount ?? 0
            entry.baselineNullRatio = base.map(\.nullRatio)
            entry.windowNullRatio = window.flatMap { $0.count > 0 ? $0.nullRatio : nil }
            if base == nil {
                entry.note = "baseline '\(baselineName)' was saved without this feature"
            } else if window == nil {
                entry.note = windows.notes[key] ?? "no values in the window"
            }
            if let base, let window {
                if let measurement = try Drift.measure(baseline: base, window: window) {
                    entry.psi = measurement.psi
                    entry.jensenShannon = measurement.jensenShannon
                    entry.method = measurement.method
                    entry.bins = measurement.bins
                    entry.status = thresholds.status(psi: measurement.psi)
                } else {
                    entry.note =
                        base.valueCount == 0 ? "the baseline has no values of this feature" : "no values in the window"
                }
            }
            for rule in request.rules {
                let value: Double? =
                    switch rule.metric {
                    case .psi: entry.psi
                    case .js: entry.jensenShannon
                    case .nullRatio: entry.windowNullRatio
                    }
                if let value, rule.fires(value) {
                    report.fired.append(
                        DriftReport.Firing(view: view.name, feature: feature.name, rule: rule.description, value: value)
                    )
                }
            }
            report.features.append(entry)
        }
        return report
    }

    /// The service's features, `view:*` expanded, in order.
    static func features(of service: FeatureService, definitions: RepoDefinitions) -> [(FeatureView, Feature)] {
        var result: [(FeatureView, Feature)] = []
        for reference in service.features {
            guard let view = definitions.featureView(reference.view) else { continue }
            let features =
                reference.isWildcard ? view.outputFeatures : view.feature(named: reference.feature).map { [$0] } ?? []
            for feature in features
            where !result.contains(where: { $0.0.name == view.name && $0.1.name == feature.name }) {
                result.append((view, feature))
            }
        }
        return result
    }

    /// The window's profile of each of the service's features, and why some have none.
    private func windowProfiles(
        of service: FeatureService, source: ProfileSourceKind, from: Timestamp, to: Timestamp,
        snapshot: RegistrySnapshot
    ) throws -> (profiles: [ProfiledFeature: FeatureProfile], notes: [ProfiledFeature: String]) {
        let definitions = snapshot.definitions
        let offline = try offlineStore()
        let features = Self.features(of: service, definitions: definitions)
        var profiles: [ProfiledFeature: FeatureProfile] = [:]
        var notes: [ProfiledFeature: String] = [:]
        switch source {
        case .served:
            guard try !offline.profileSources(kind: .served).isEmpty else {
                throw Self.noServedLogs("feature service '\(service.name)'")
            }
            for (view, feature) in features {
                let key = ProfiledFeature(view: view.name, feature: feature.name)
                profiles[key] = try offline.storedProfile(
                    of: .served(service: service.name), feature: key, from: from, to: to)?.profile
            }
        case .offline, .baseline:
            var updated: Set<String> = []
            let tables = historyTables(snapshot)
            for (view, feature) in features {
                let key = ProfiledFeature(view: view.name, feature: feature.name)
                if view.isAggregate {
                    notes[key] =
                        "an aggregate feature: the offline history holds its input events, not its values; compare it with --source served"
                    continue
                }
                guard let source = definitions.source(view.source), let column = source.column(feature.name) else {
                    continue
                }
                if let table = tables.first(where: { $0.source.name == source.name }) {
                    if updated.insert(source.name).inserted {
                        try offline.updateProfiles(
                            of: table, columns: offlineProfileColumns(of: source, definitions: definitions),
                            now: clock())
                    }
                    let origin = ProfileSource.offline(source: source.name, generation: table.generation)
                    profiles[key] = try offline.storedProfile(of: origin, feature: key, from: from, to: to)?.profile
                } else {
                    let computed = try offline.computeProfiles(
                        of: .inPlace(try inPlaceSource(source)),
                        columns: [OfflineProfileColumn(feature: key, column: column)], from: from,
                        to: to)
                    profiles[key] = computed[key]
                }
            }
        }
        return (profiles, notes)
    }
}
