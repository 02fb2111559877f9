import FeatureProfiles
import FeatureRegistry
import FeatureStoreCore
import OfflineStoreSQLite

/// What `fs stats` asks for.
public struct StatsRequest: Sendable {
    /// `view` or `view:feature`.
    public var reference: String
    /// Where the values come from: the offline history or the served logs.
    public var source: ProfileSourceKind
    /// A saved baseline to show instead (then `source` and the range are not used).
    public var baseline: String?
    /// Buckets starting in `[from, to)`; `nil` for no bound.
    public var from: Timestamp?
    public var to: Timestamp?
    /// Offline only: compute from the rows stored now instead of the stored hourly profiles.
    public var rescan: Bool
    /// Offline only: recompute the stored hourly profiles of the view's source first.
    public var rebuild: Bool

    public init(
        reference: String, source: ProfileSourceKind = .offline, baseline: String? = nil, from: Timestamp? = nil,
        to: Timestamp? = nil, rescan: Bool = false, rebuild: Bool = false
    ) {
        self.reference = reference
        self.source = source
        self.baseline = baseline
        self.from = from
        self.to = to
        self.rescan = rescan
        self.rebuild = rebuild
    }
}

/// Profiles of a view's features: what `fs stats` prints and `GET /stats` will answer.
public struct StatsReport: Sendable, Codable {
    public struct FeatureStats: Sendable, Codable {
        public var view: String
        public var feature: String
        public var type: ValueType
        /// Where the profile comes from (`offline history of source 'x'`, ...).
        public var source: String
        /// Stored buckets merged (0 when computed now).
        public var buckets: Int
        /// The start of the first bucket and the end of the last one merged, when known.
        public var start: Timestamp?
        public var end: Timestamp?
        /// `nil` when there is no profile (then `note` says why).
        public var profile: ProfileSummary?
        public var note: String?
    }

    public var kind: ProfileSourceKind
    /// The requested range (`nil`: unbounded).
    public var from: Timestamp?
    public var to: Timestamp?
    public var features: [FeatureStats]
}

extension FeatureStore {
    /// Profiles of a view's features over the offline history, the served logs or a baseline.
    ///
    /// Offline profiles are the stored hourly ones (brought up to date with the rows stored so far
    /// first), merged over the range; `rescan` computes them from the rows instead (the whole
    /// range in one pass, not stored), `rebuild` recomputes the stored ones first. A range is
    /// resolved to whole buckets: those starting in `[from, to)` (hours; days for data older than
    /// ``ProfileBuckets/hourlyRetention``).
    ///
    /// - Throws: `notFound` for an unknown view, feature or baseline, or when served profiles are
    ///   asked for and no served logs exist; `invalidArgument` for a range that ends before it starts.
    public func stats(_ request: StatsRequest) throws -> StatsReport {
        try stats(request, snapshot: try snapshot())
    }

    /// ``stats(_:)`` over a snapshot the caller holds (the server's, so a page does not read and
    /// decode the whole registry again: with 500 views that was most of the stats page's time).
    public func stats(_ request: StatsRequest, snapshot: RegistrySnapshot) throws -> StatsReport {
        if let from = request.from, let to = request.to, to <= from {
            throw FeatureStoreError.invalidArgument(
                "the range ends (\(to.rfc3339)) before it starts (\(from.rfc3339)); give --from before --to")
        }
        let definitions = snapshot.definitions
        let (view, features) = try profiledFeatures(of: request.reference, definitions: definitions)
        if let name = request.baseline {
            return try baselineStats(name, view: view, features: features)
        }
        switch request.source {
        case .offline:
            return try offlineStats(request, view: view, features: features, snapshot: snapshot)
        case .served:
            return try servedStats(request, view: view, features: features)
        case .baseline:
            throw FeatureStoreError.invalidArgument("name the baseline to show (--baseline NAME)")
        }
    }

    private func offlineStats(
        _ request: StatsRequest, view: FeatureView, features: [Feature], snapshot: RegistrySnapshot
    ) throws -> StatsReport {
        let definitions = snapshot.definitions
        guard let source = definitions.source(view.source) else {
            throw FeatureStoreError.notFound(
                "feature view '\(view.name)' reads source '\(view.source)', which is not registered; run fs apply")
        }
        var report = StatsReport(kind: .offline, from: request.from, to: request.to, features: [])
        let origin = ProfileSource.offline(source: source.name, generation: snapshot.generation(ofSource: source.name))
        let offline = try offlineStore()
        if view.isAggregate {
            let inputs = Set(view.aggregations.map(\.column)).sorted().joined(separator: ", ")
            report.features = features.map {
                StatsReport.FeatureStats(
                    view: view.name, feature: $0.name, type: $0.type, source: origin.description, buckets: 0,
                    profile: nil,
                    note:
                        "an aggregate feature: the offline history holds its input events (\(inputs)), not its values; its values are profiled in training-set baselines (fs get-training-set --save-profile) and served logs"
                )
            }
            return report
        }
        let columns = features.compactMap { feature in
            source.column(feature.name).map {
                OfflineProfileColumn(feature: ProfiledFeature(view: view.name, feature: feature.name), column: $0)
            }
        }
        let table = historyTables(snapshot).first { $0.source.name == source.name }
        if source.readsInPlace || request.rescan {
            let history: HistoryLocation = try table.map { .table($0) } ?? .inPlace(inPlaceSource(source))
            let profiles = try offline.computeProfiles(
                of: history, columns: columns, from: request.from, to: request.to)
            let note =
                source.readsInPlace
                ? "computed now: \(source.kind.rawValue) sources are read in place"
                : "computed now from the stored rows"
            report.features = columns.map { column in
                StatsReport.FeatureStats(
                    view: view.name, feature: column.feature.feature, type: column.column.type,
                    source: origin.description, buckets: 0, start: request.from, end: request.to,
                    profile: profiles[column.feature].map(ProfileSummary.init), note: note)
            }
            return report
        }
        guard let table else {
            throw FeatureStoreError.notFound("source '\(source.name)' has no history table; run fs apply")
        }
        // Every snapshot feature over the source is brought up to date at once (one scan).
        let all = offlineProfileColumns(of: source, definitions: definitions)
        if request.rebuild {
            try offline.rebuildProfiles(of: table, columns: all, now: clock())
        } else {
            try offline.updateProfiles(of: table, columns: all, now: clock())
        }
        report.features = try columns.map { column in
            let stored = try offline.storedProfile(
                of: origin, feature: column.feature, from: request.from, to: request.to)
            return StatsReport.FeatureStats(
                view: view.name, feature: column.feature.feature, type: column.column.type, source: origin.description,
                buckets: stored?.buckets ?? 0, start: stored?.start, end: stored?.end,
                profile: ProfileSummary(stored?.profile ?? FeatureProfile(type: column.column.type)),
                note: stored == nil ? "no rows in the range" : nil)
        }
        return report
    }

    private func servedStats(_ request: StatsRequest, view: FeatureView, features: [Feature]) throws -> StatsReport {
        let offline = try offlineStore()
        let services = try offline.profileSources(kind: .served)
        guard !services.isEmpty else { throw Self.noServedLogs("feature view '\(view.name)'") }
        var report = StatsReport(kind: .served, from: request.from, to: request.to, features: [])
        for feature in features {
            var merged: StoredProfile?
            var names: [String] = []
            for service in services {
                guard
                    let stored = try offline.storedProfile(
                        of: service, feature: ProfiledFeature(view: view.name, feature: feature.name),
                        from: request.from, to: request.to)
                else { continue }
                names.append(service.name)
                guard var total = merged else {
                    merged = stored
                    continue
                }
                if total.profile.type == stored.profile.type { try total.profile.merge(stored.profile) }
                total.buckets += stored.buckets
                total.start = min(total.start, stored.start)
                total.end = max(total.end, stored.end)
                merged = total
            }
            report.features.append(
                StatsReport.FeatureStats(
                    view: view.name, feature: feature.name, type: feature.type,
                    source: names.isEmpty
                        ? "served logs" : "served logs of \(names.map { "'\($0)'" }.joined(separator: ", "))",
                    buckets: merged?.buckets ?? 0, start: merged?.start, end: merged?.end,
                    profile: merged.map { ProfileSummary($0.profile) },
                    note: merged == nil ? "no served values of this feature were logged in the range" : nil))
        }
        return report
    }

    private func baselineStats(_ name: String, view: FeatureView, features: [Feature]) throws -> StatsReport {
        let baseline = try requireBaseline(name)
        var report = StatsReport(kind: .baseline, from: nil, to: nil, features: [])
        for feature in features {
            let profile = baseline.profiles[ProfiledFeature(view: view.name, feature: feature.name)]
            report.features.append(
                StatsReport.FeatureStats(
                    view: view.name, feature: feature.name, type: feature.type,
                    source: ProfileSource.baseline(name).description, buckets: profile == nil ? 0 : 1,
                    profile: profile.map(ProfileSummary.init),
                    note: profile == nil ? "baseline '\(name)' was saved without this feature" : nil))
        }
        return report
    }

    /// The baseline `name`, or an error listing the saved ones.
    func requireBaseline(_ name: String) throws -> Baseline {
        let offline = try offlineStore()
        if let baseline = try offline.baseline(named: name) { return baseline }
        let names = try offline.baselines().map(\.name)
        throw FeatureStoreError.notFound(
            "no baseline '\(name)' is saved.\(Suggestion.didYouMean(name, in: names)) \(names.isEmpty ? "No baseline is saved yet" : "Saved baselines: \(Suggestion.list(names))"); save one with fs get-training-set --save-profile \(name)"
        )
    }
}
