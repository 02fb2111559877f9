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
        from: Timestamp, to: Timestamp, views: [String]? = nil, trigger: MaterializationRun.Trigger = .cli,
        progress: ((MaterializationProgress) -> Void)? = nil
    ) throws -> MaterializationReport {
        guard from <= to else {
            throw FeatureStoreError.invalidArgument(
                "the start \(from.rfc3339) is after the end \(to.rfc3339); swap them")
        }
        return try materialize(views: views, trigger: trigger, progress: progress) { _, _, _ in
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
        to: Timestamp, views: [String]? = nil, trigger: MaterializationRun.Trigger = .cli,
        progress: ((MaterializationProgress) -> Void)? = nil
    ) throws -> MaterializationReport {
        try materialize(views: views, trigger: trigger, progress: progress, incremental: true) {
            view, watermark, end in
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
    ///
    /// Once the lock and the online store are held and the views are chosen, the run is recorded
    /// in the registry (``Registry/recordRun(_:keep:)``), whether it succeeds or fails; a run
    /// refused before (another process holds the store, an unknown view) is not a run.
    private func materialize(
        views names: [String]?, trigger: MaterializationRun.Trigger, progress: ((MaterializationProgress) -> Void)?,
        incremental: Bool = false, start: (FeatureView, Watermark?, Timestamp) -> Timestamp, end: () -> Timestamp
    ) throws -> MaterializationReport {
        let began = Timestamp.now()
        let lock = try FileLock(
            path: config.onlineStorePath + ".materialize.lock",
            purpose: "materialization of project '\(config.project)'")
        defer { withExtendedLifetime(lock) {} }
        let registry = try registry()
        let snapshot = try registry.snapshot()
        let (selected, skipped) = try selectViews(names, in: snapshot)
        // Held by a running `fs serve` (`locked`): the CLI hands the run to it, which records it.
        let online = try onlineStore()
        let startedAt = clock()
        var reports: [MaterializationReport.ViewReport] = []
        var run = MaterializationRun(
            mode: incremental ? .incremental : .full, trigger: trigger, startedAt: startedAt, seconds: 0, views: [],
            error: nil)
        func record() -> String? {
            run.seconds = Double(Timestamp.now().microseconds - began.microseconds) / 1e6
            run.views = selected.map { view in
                let report = reports.first { $0.view == view.name }
                return MaterializationRun.ViewRun(
                    view: view.name, rowsScanned: report?.rowsScanned ?? 0, rowsWritten: report?.written ?? 0,
                    seconds: report?.seconds ?? 0)
            }
            do {
                try registry.recordRun(run)
                return nil
            } catch {
                return "the run was not recorded in the registry: \(error)"
            }
        }
        do {
            var report = try materialize(
                selected, skipped: skipped, snapshot: snapshot, registry: registry, online: online, reports: &reports,
                progress: progress, incremental: incremental, start: start, end: end, began: began)
            report.unrecorded = record()
            return report
        } catch {
            run.error = (error as? FeatureStoreError)?.message ?? "\(error)"
            _ = record()
            throw error
        }
    }

    private func materialize(
        _ selected: [FeatureView], skipped: [String: String], snapshot: RegistrySnapshot, registry: any RegistryStore,
        online: any OnlineStoreBackend, reports: inout [MaterializationReport.ViewReport],
        progress: ((MaterializationProgress) -> Void)?,
        incremental: Bool, start: (FeatureView, Watermark?, Timestamp) -> Timestamp, end: () -> Timestamp,
        began: Timestamp
    ) throws -> MaterializationReport {
        let offline = try offlineStore()
        let watermarks = try registry.watermarks(for: snapshot)
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
            let table = OnlineTable(view, in: snapshot)
            let keyspace = table.keyspace
            if view.isAggregate {
                guard let aggregateStore = online.aggregates else {
                    throw FeatureStoreError.invalidArgument(
                        "feature view '\(view.name)' is a windowed aggregate, which the online store (\(online.location)) cannot hold; set `online: false` on it, or use the RocksDB or Redis online store"
                    )
                }
                reports.append(
                    try materializeAggregates(
                        view, keyspace: keyspace, snapshot: snapshot, from: from, to: to, now: now,
                        lateAfter: lateAfter, online: aggregateStore, offline: offline
                    ) { scanned in
                        progress?(
                            MaterializationProgress(
                                view: view.name, viewIndex: index, viewCount: selected.count, rowsScanned: scanned))
                    })
                marks.append(
                    WatermarkAdvance(view: view.name, generation: keyspace.generation, to: to, arrival: arrival))
                continue
            }
            let features = view.features
            let names = features.map(\.name)
            let history = try historyLocation(of: view, in: snapshot)
            let joinKeys = snapshot.definitions.joinKeys(of: view)
            var entities = 0
            var written = 0
            var scannedSoFar = 0
            let scanned = try offline.scanLatestRows(
                history: history, viewName: view.name, joinKeys: joinKeys, features: features, from: from, to: to,
                arrivedAfter: lateAfter, entities: nil, batchSize: 10_000
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
                written += try online.writeSynchronously(entries, to: table)
                progress?(
                    MaterializationProgress(
                        view: view.name, viewIndex: index, viewCount: selected.count, rowsScanned: scannedSoFar))
                try FaultInjection.trigger(.materializeAfterBatch)
            }
            written += try takeBackReplacedVersions(
                of: view, history: history, joinKeys: joinKeys, table: table, arrivedAfter: lateAfter,
                online: online, offline: offline)
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
        if dropsStaleOnlineData { try online.dropKeyspaces(except: snapshot.onlineKeyspaces) }
        return MaterializationReport(
            views: reports, skipped: skipped, seconds: Double(Timestamp.now().microseconds - began.microseconds) / 1e6,
            requestedEnd: requested > to ? requested : nil)
    }

    /// Brings an aggregate view's online state up to `to`: events of `[from, to]` (and late rows
    /// that arrived after `lateAfter`) are added to the state, then what the cutoff passed expires.
    ///
    /// A view whose state is empty (its first run, or state of an earlier layout) is filled from
    /// the whole retention, whatever the watermark, since every window needs every event inside
    /// it: through ``AggregateFill`` (tiles computed in memory, each written once) when the store
    /// is RocksDB and versions of its events share their event time, else through
    /// ``OnlineAggregateStore/addEventsSynchronously(_:layout:now:)`` in batches, as every later run.
    private func materializeAggregates(
        _ view: FeatureView, keyspace: OnlineKeyspace, snapshot: RegistrySnapshot, from: Timestamp, to: Timestamp,
        now: Timestamp, lateAfter: Int64?, online: any OnlineAggregateStore, offline: any OfflineHistoryStore,
        progress: (Int) -> Void
    ) throws -> MaterializationReport.ViewReport {
        let began = Timestamp.now()
        let layout = AggregateLayout(view: view, generation: keyspace.generation)
        let empty = try online.aggregateStateIsEmpty(layout)
        let history = try historyLocation(of: view, in: snapshot)
        let sharesTime = eventsShareTime(history)
        // Only events that a window at `now` can reach are kept online.
        let cutoff = layout.cutoff(at: now)
        let earliest = empty ? cutoff : Swift.max(from, cutoff)
        // The bulk fill is RocksDB's fast path (it ingests sorted files); Redis adds in batches.
        var fill: AggregateFill?
        if empty, sharesTime, let rocksDB = online as? OnlineStore {
            fill = try AggregateFill(
                store: rocksDB, layout: layout, now: now,
                directory: config.onlineStorePath + ".fill-\(keyspace.view)-\(keyspace.generation)")
        }
        var entities: Set<[FeatureValue]> = []
        var summary = AggregateWriteSummary()
        var scannedSoFar = 0
        let scanned = try offline.scanEvents(
            history: history, viewName: view.name, joinKeys: snapshot.definitions.joinKeys(of: view),
            columns: try aggregateColumns(of: view, in: snapshot), from: earliest, to: Swift.max(earliest, to),
            arrivedAfter: empty ? nil : lateAfter, batchSize: 10_000
        ) { batch in
            scannedSoFar += batch.count
            let events = batch.map {
                AggregateEvent(
                    key: $0.key, id: $0.id, version: $0.version, time: $0.time, created: $0.created, values: $0.values,
                    versionsShareTime: sharesTime)
            }
            if let fill {
                try fill.add(events)
            } else {
                for event in events { entities.insert(event.key) }
                summary.applied += try online.addEventsSynchronously(events, layout: layout, now: now).applied
            }
            progress(scannedSoFar)
            try FaultInjection.trigger(.materializeAfterBatch)
        }
        if let fill {
            summary = try fill.finish()
            entities = fill.entities
        }
        try online.expireAggregates(layout: layout, now: now)
        return MaterializationReport.ViewReport(
            view: view.name, from: earliest, to: to, rowsScanned: scanned, entities: entities.count,
            written: summary.applied, seconds: Double(Timestamp.now().microseconds - began.microseconds) / 1e6)
    }

    /// Whether every version of an event of this history has the event's time: rows of a source
    /// without `dedupe_on` are events of their own (their arrival number is their id), `dedupe_on`
    /// naming the timestamp field puts the time in the id, and rows read in place are identified by
    /// their times and values.
    func eventsShareTime(_ history: HistoryLocation) -> Bool {
        switch history {
        case .inPlace: return true
        case .table(let table):
            let source = table.source
            return source.dedupeOn.isEmpty || source.dedupeOn.contains(source.timestampField)
        }
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
        if source.readsInPlace { return .inPlace(try inPlaceSource(source)) }
        return .table(
            HistoryTable(
                source: source, generation: snapshot.generation(ofSource: source.name),
                definitions: snapshot.definitions))
    }

}
