import FeatureStoreCore
import OnlineStoreRocksDB

/// The windowed-aggregate state of an online store: what materialization, pushes and lookups of
/// aggregate views need. Two stores: ``OnlineStore`` (RocksDB: tiles, edge events and identity
/// entries, ``AggregateLayout``) and ``RedisBackend`` (the raw events of each entity under its
/// hash tag, ``RedisAggregateKeyspace``). Both apply the offline history's version rule (the later
/// created time wins, then the later ``AggregateEvent/version``) and compute every aggregation
/// with ``AggregateState``, so a lookup's values do not depend on the store; the parametrized
/// suite `OnlineAggregateBackendTests` pins that against a brute-force reference.
///
/// As for ``OnlineStoreBackend``, pushes and lookups call the `async` requirements and
/// materialization the synchronous ones, never from the cooperative pool.
public protocol OnlineAggregateStore: AnyObject, Sendable {
    /// Adds events to a view's state (see ``OnlineStore/addEvents(_:layout:now:)`` for the rules:
    /// versions, duplicates, replacements, events older than the retention at `now`).
    func addEvents(_ events: [AggregateEvent], layout: AggregateLayout, now: Timestamp) async throws
        -> AggregateWriteSummary

    /// ``addEvents(_:layout:now:)`` for materialization, off the cooperative pool.
    func addEventsSynchronously(_ events: [AggregateEvent], layout: AggregateLayout, now: Timestamp) throws
        -> AggregateWriteSummary

    /// Each aggregation named in `features` over `[now - window, now)`, one row per entity.
    func readAggregates(_ entities: [[FeatureValue]], layout: AggregateLayout, features: [String], now: Timestamp)
        async throws -> [[OnlineValue]]

    /// ``readAggregates(_:layout:features:now:)`` for synchronous callers (the command line).
    func readAggregatesSynchronously(
        _ entities: [[FeatureValue]], layout: AggregateLayout, features: [String], now: Timestamp
    ) throws -> [[OnlineValue]]

    /// Drops the state no window can reach at `now` where the store does not do it by itself.
    func expireAggregates(layout: AggregateLayout, now: Timestamp) throws

    /// Whether the view's state was never written (then materialization fills it from the whole
    /// retention rather than from the watermark).
    func aggregateStateIsEmpty(_ layout: AggregateLayout) throws -> Bool
}

/// RocksDB: its own synchronous methods, inline.
extension OnlineStore: OnlineAggregateStore {
    public func addEventsSynchronously(_ events: [AggregateEvent], layout: AggregateLayout, now: Timestamp) throws
        -> AggregateWriteSummary
    {
        try addEvents(events, layout: layout, now: now)
    }

    public func readAggregatesSynchronously(
        _ entities: [[FeatureValue]], layout: AggregateLayout, features: [String], now: Timestamp
    ) throws -> [[OnlineValue]] {
        try readAggregates(entities, layout: layout, features: features, now: now)
    }
}
