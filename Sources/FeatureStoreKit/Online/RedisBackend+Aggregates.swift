import FeatureStoreCore
import OnlineStoreRedis
import OnlineStoreRocksDB

/// Windowed aggregates in Redis: each entity's raw events within the retention, under its hash
/// tag (``RedisAggregateKeyspace``), updated by one script per entity that applies the version
/// rule (``RedisOnlineStore/addAggregateEvents(_:to:cutoff:retention:now:)``). A lookup reads the
/// events of the longest window asked and computes each aggregation with ``AggregateState``, as
/// the RocksDB store does from its tiles; Redis keeps no tiles (a read costs the entity's events
/// in the window).
extension RedisBackend: OnlineAggregateStore {
    func aggregateKeyspace(_ layout: AggregateLayout) -> RedisAggregateKeyspace {
        RedisAggregateKeyspace(project: project, view: layout.keyspace.view, generation: layout.keyspace.generation)
    }

    public func addEvents(_ events: [AggregateEvent], layout: AggregateLayout, now: Timestamp) async throws
        -> AggregateWriteSummary
    {
        try layout.checkUsable()
        var summary = AggregateWriteSummary()
        let cutoff = layout.cutoff(at: now).microseconds
        // Every event checked first (nothing written when one is refused); per (entity, id), the
        // batch's latest version.
        var entities: [[UInt8]] = []
        var entityIndex: [[UInt8]: Int] = [:]
        var batches: [[RedisAggregateEvent]] = []
        var slot: [[UInt8]: [Int64: Int]] = [:]
        for event in events {
            try layout.check(event)
            let entity = try EntityKeyEncoding.encode(event.key)
            let index: Int
            if let known = entityIndex[entity] {
                index = known
            } else {
                index = entities.count
                entityIndex[entity] = index
                entities.append(entity)
                batches.append([])
            }
            let stored = RedisAggregateEvent(
                id: event.id, version: event.version, time: event.time.microseconds,
                created: event.created.microseconds, values: event.values)
            if let earlier = slot[entity]?[event.id] {
                summary.duplicates += 1
                let held = batches[index][earlier]
                if (stored.created, stored.version) > (held.created, held.version) { batches[index][earlier] = stored }
            } else {
                slot[entity, default: [:]][event.id] = batches[index].count
                batches[index].append(stored)
            }
        }
        guard !entities.isEmpty else { return summary }
        let retention = layout.retention.microseconds
        let counts = try await store.addAggregateEvents(
            zip(entities, batches).map { entity, events in
                (entity, events.map { ($0, $0.time < cutoff) })
            }, to: aggregateKeyspace(layout), cutoff: cutoff, retention: retention == .max ? nil : retention,
            now: now.microseconds)
        summary.applied += counts.applied
        summary.replaced += counts.replaced
        summary.duplicates += counts.duplicates
        summary.late += counts.late
        return summary
    }

    public func addEventsSynchronously(_ events: [AggregateEvent], layout: AggregateLayout, now: Timestamp) throws
        -> AggregateWriteSummary
    {
        try blockingWait { try await self.addEvents(events, layout: layout, now: now) }
    }

    public func readAggregates(
        _ entities: [[FeatureValue]], layout: AggregateLayout, features: [String], now: Timestamp
    ) async throws -> [[OnlineValue]] {
        try layout.checkUsable()
        let selected = try layout.aggregationPositions(named: features).map { layout.aggregations[$0] }
        let columnOf = selected.map { aggregation in layout.columns.firstIndex(of: aggregation.column)! }
        let windows = selected.map { WindowRange.ending(at: now, length: $0.window) }
        let from = windows.map(\.start).min() ?? now
        let encoded = try entities.map { try EntityKeyEncoding.encode($0) }
        let stored = try await store.aggregateEvents(
            encoded, in: aggregateKeyspace(layout), columns: layout.columns.count, from: from.microseconds,
            to: now.microseconds)
        return stored.map { events in
            zip(selected, zip(columnOf, windows)).map { aggregation, place in
                let (column, window) = place
                var state = AggregateState(function: AggregateState.partialFunction(for: aggregation.function))
                for event in events where window.contains(Timestamp(microseconds: event.time)) {
                    state.add(event.values[column], time: event.time, created: event.created)
                }
                let value: FeatureValue
                switch state.outcome(as: aggregation.function, inputType: aggregation.inputType) {
                case .value(let found): value = found
                case .outOfRange: value = .null
                }
                return OnlineValue(value: value, status: value.isNull ? .nullValue : .present, eventTime: now)
            }
        }
    }

    public func readAggregatesSynchronously(
        _ entities: [[FeatureValue]], layout: AggregateLayout, features: [String], now: Timestamp
    ) throws -> [[OnlineValue]] {
        try blockingWait { try await self.readAggregates(entities, layout: layout, features: features, now: now) }
    }

    /// Nothing to do: each write drops its entity's events older than the cutoff, and an entity's
    /// keys expire by themselves once its newest event is older than the retention.
    public func expireAggregates(layout: AggregateLayout, now: Timestamp) throws {}

    public func aggregateStateIsEmpty(_ layout: AggregateLayout) throws -> Bool {
        let keyspace = aggregateKeyspace(layout)
        return try blockingWait { try await self.store.aggregateStateIsEmpty(keyspace) }
    }
}
