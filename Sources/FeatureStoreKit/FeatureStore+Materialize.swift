import FeatureRegistry
import FeatureStoreCore
import Foundation
import OfflineStoreSQLite
import OnlineStoreRocksDB

extension FeatureStore {
    /// Writes, for each online view, the latest row per entity with `from <= event time <= to` to the
    /// online store (Feast's `materialize`).
    ///
    /// Safe to run again and after a crash: online writes are monotonic, and watermarks move only
    /// after the data is durable. Two runs on one repo never overlap (a lock file).
    ///
    /// - Parameter views: only these views (all online views when `nil`).
    @discardableResult
    public func materialize(
        from: Timestamp, to: Timestamp, views: [String]? = nil,
        progress: ((MaterializationProgress) -> Void)? = nil
    ) throws -> MaterializationReport {
        guard from <= to else {
            throw FeatureStoreError.invalidArgument(
                "the start \(from.rfc3339) is after the end \(to.rfc3339); swap them")
        }
        return try materialize(views: views, progress: progress) { _, _, _ in
            from
        } end: {
            to
        }
    }

    /// Materializes each view from where the last run stopped (its watermark) up to `to`; a view's
    /// first run starts at `to - ttl`, or at the beginning of its history when its ttl is 0.
    ///
    /// Rows that arrived since the last run with an event time before its watermark (late rows)
    /// are materialized too: each run records the last arrival number it saw beside the watermark.
    @discardableResult
    public func materializeIncremental(
        to: Timestamp, views: [String]? = nil, progress: ((MaterializationProgress) -> Void)? = nil
    ) throws -> MaterializationReport {
        try materialize(views: views, progress: progress, incremental: true) { view, watermark, end in
            if let watermark { return watermark.watermark }
            return view.ttl > .zero ? end.subtractingClamped(view.ttl) : Timestamp.distantPast
        } end: {
            to
        }
    }

    /// - Parameters:
    ///   - incremental: late rows (arrived since the view's last incremental run, earlier than its
    ///     start) are scanned too, and the arrival mark moves.
    ///   - start: a view's first event time to scan, given its watermark and the run's end.
    private func materialize(
        views names: [String]?, progress: ((MaterializationProgress) -> Void)?, incremental: Bool = false,
        start: (FeatureView, Watermark?, Timestamp) -> Timestamp, end: () -> Timestamp
    ) throws -> MaterializationReport {
        let began = Timestamp.now()
        let lock = try FileLock(
            path: config.onlineStorePath + ".materialize.lock",
            purpose: "materialization of project '\(config.project)'")
        defer { withExtendedLifetime(lock) {} }
        let registry = try registry()
        let snapshot = try registry.snapshot()
        let (selected, skipped) = try selectViews(names, in: snapshot)
        let online = try onlineStore()
        let offline = try offlineStore()
        let watermarks = try registry.watermarks(for: snapshot)
        var reports: [MaterializationReport.ViewReport] = []
        var marks: [WatermarkAdvance] = []
        let now = clock()
        // Nothing after the current time is materialized: a watermark never passes now.
        let requested = end()
        let to = Swift.min(requested, now)
        // Read before scanning: rows that arrive during the run are seen by the next one.
        let arrival = incremental ? try offline.lastSequence() : nil
        for (index, view) in selected.enumerated() {
            let viewStart = Timestamp.now()
            let watermark = watermarks[view.name]
            let from = Swift.min(start(view, watermark, to), to)
            let lateAfter = incremental ? watermark?.arrival : nil
            let keyspace = OnlineKeyspace(view: view.name, generation: snapshot.generation(ofView: view.name))
            if view.isAggregate {
                let layout = AggregateLayout(view: view, generation: keyspace.generation)
                // Only events that a window at `now` can reach are kept online.
                let earliest = Swift.max(from, layout.cutoff(at: now))
                var entities: Set<[FeatureValue]> = []
                var summary = AggregateWriteSummary()
                var scannedSoFar = 0
                let scanned = try offline.scanEvents(
                    history: historyLocation(of: view, in: snapshot), viewName: view.name,
                    joinKeys: snapshot.definitions.joinKeys(of: view),
                    columns: try aggregateColumns(of: view, in: snapshot),
                    from: earliest, to: Swift.max(earliest, to), arrivedAfter: lateAfter
                ) { batch in
                    scannedSoFar += batch.count
                    for event in batch { entities.insert(event.key) }
                    let added = try online.addEvents(
                        batch.map {
                            AggregateEvent(
                                key: $0.key, id: $0.id, version: $0.version, time: $0.time, created: $0.created,
                                values: $0.values)
                        }, layout: layout,
                        now: now)
                    summary.applied += added.applied
                    progress?(
                        MaterializationProgress(
                            view: view.name, viewIndex: index, viewCount: selected.count, rowsScanned: scannedSoFar))
                    try FaultInjection.trigger(.materializeAfterBatch)
                }
                reports.append(
                    MaterializationReport.ViewReport(
                        view: view.name, from: earliest, to: to, rowsScanned: scanned, entities: entities.count,
                        written: summary.applied,
                        seconds: Double(Timestamp.now().microseconds - viewStart.microseconds) / 1e6))
                marks.append(
                    WatermarkAdvance(view: view.name, generation: keyspace.generation, to: to, arrival: arrival))
                continue
            }
            let features = view.features
            let names = features.map(\.name)
            var entities = 0
            var written = 0
            var scannedSoFar = 0
            let scanned = try offline.scanLatestRows(
                history: historyLocation(of: view, in: snapshot), viewName: view.name,
                joinKeys: snapshot.definitions.joinKeys(of: view), features: features, from: from, to: to,
                arrivedAfter: lateAfter
            ) { batch in
                entities += batch.count
                scannedSoFar += batch.count
                let entries = batch.map { row in
                    (
                        key: row.key,
                        record: OnlineRecord(
                            eventTime: row.eventTime, createdTime: row.createdTime,
                            values: Array(zip(names, row.values)))
                    )
                }
                written += try online.write(entries, to: keyspace)
                progress?(
                    MaterializationProgress(
                        view: view.name, viewIndex: index, viewCount: selected.count, rowsScanned: scannedSoFar))
                try FaultInjection.trigger(.materializeAfterBatch)
            }
            reports.append(
                MaterializationReport.ViewReport(
                    view: view.name, from: from, to: to, rowsScanned: scanned, entities: entities, written: written,
                    seconds: Double(Timestamp.now().microseconds - viewStart.microseconds) / 1e6))
            marks.append(WatermarkAdvance(view: view.name, generation: keyspace.generation, to: to, arrival: arrival))
        }
        // Durable first, then the watermarks: a crash in between only repeats work.
        try online.sync()
        if reports.contains(where: { $0.written > 10_000 }) { try online.compactRecentWrites() }
        try registry.advanceWatermarks(marks, now: now)
        if dropsStaleOnlineData { try online.dropKeyspaces(except: onlineKeyspaces(snapshot)) }
        return MaterializationReport(
            views: reports, skipped: skipped, seconds: Double(Timestamp.now().microseconds - began.microseconds) / 1e6,
            requestedEnd: requested > to ? requested : nil)
    }

    /// The views to materialize and those skipped (with why), checking the names asked for.
    private func selectViews(_ names: [String]?, in snapshot: RegistrySnapshot) throws -> (
        [FeatureView], [String: String]
    ) {
        let all = snapshot.definitions.featureViews
        var chosen: [FeatureView]
        if let names {
            chosen = []
            for name in names {
                guard let view = snapshot.definitions.featureView(name) else {
                    throw FeatureStoreError.notFound(
                        "no feature view '\(name)' is registered.\(Suggestion.didYouMean(name, in: all.map(\.name))) Registered views: \(Suggestion.list(all.map(\.name)))."
                    )
                }
                if !view.online {
                    throw FeatureStoreError.invalidArgument(
                        "feature view '\(name)' has `online: false`; it is never materialized")
                }
                chosen.append(view)
            }
        } else {
            chosen = all.filter(\.online)
        }
        return (chosen, [:])
    }

    /// The source columns an aggregate view's aggregations read, with their types.
    func aggregateColumns(of view: FeatureView, in snapshot: RegistrySnapshot) throws -> [Feature] {
        let layout = AggregateLayout(view: view, generation: 1)
        guard let source = snapshot.definitions.source(view.source) else {
            throw FeatureStoreError.notFound(
                "feature view '\(view.name)' names source '\(view.source)', which is not registered")
        }
        return try layout.columns.map { name in
            guard let column = source.column(name) else {
                throw FeatureStoreError.notFound(
                    "source '\(source.name)' has no column '\(name)' that view '\(view.name)' aggregates")
            }
            return Feature(name: name, type: column.type)
        }
    }

    /// Where a view's source rows are: its history table, or its table or query read in place.
    func historyLocation(of view: FeatureView, in snapshot: RegistrySnapshot) throws -> HistoryLocation {
        guard let source = snapshot.definitions.source(view.source) else {
            throw FeatureStoreError.notFound(
                "feature view '\(view.name)' names source '\(view.source)', which is not registered")
        }
        if source.kind == .sqlite { return .inPlace(source) }
        return .table(
            HistoryTable(
                source: source, generation: snapshot.generation(ofSource: source.name),
                definitions: snapshot.definitions))
    }

    /// The online keyspaces a snapshot points at.
    func onlineKeyspaces(_ snapshot: RegistrySnapshot) -> Set<OnlineKeyspace> {
        Set(
            snapshot.definitions.featureViews.map {
                OnlineKeyspace(view: $0.name, generation: snapshot.generation(ofView: $0.name))
            })
    }
}
