import FeatureRegistry
import FeatureStoreCore
import OnlineStoreRocksDB

/// The answer to an online lookup, column-oriented like Feast's: the join keys first, then the
/// features in request order; each column holds one value per entity row.
public struct OnlineFeaturesResponse: Sendable {
    public var featureNames: [String]
    public var columns: [[OnlineValue]]
}

/// Reads online features for one registry snapshot. Cheap to copy and safe to share across tasks.
public struct OnlineReader: Sendable {
    public let definitions: RepoDefinitions
    public let store: any OnlineStoreBackend
    /// Per view, built once per snapshot rather than per request.
    private let tables: [String: OnlineTable]
    private let layouts: [String: AggregateLayout]

    public init(snapshot: RegistrySnapshot, store: any OnlineStoreBackend) {
        self.definitions = snapshot.definitions
        self.store = store
        var tables: [String: OnlineTable] = [:]
        var layouts: [String: AggregateLayout] = [:]
        for view in snapshot.definitions.featureViews {
            tables[view.name] = OnlineTable(view, in: snapshot)
            if view.isAggregate {
                layouts[view.name] = AggregateLayout(view: view, generation: snapshot.generation(ofView: view.name))
            }
        }
        self.tables = tables
        self.layouts = layouts
    }

    /// Looks up `plan`'s features for `entities` as of `now` (ttl enforced against it).
    public func read(_ plan: OnlineReadPlan, entities: EntityRows, now: Timestamp) async throws
        -> OnlineFeaturesResponse
    {
        let entities = try entities.validated(for: plan)
        // Aggregate views one by one; every snapshot view together in one call (one round trip to
        // Redis).
        var rows = [[[OnlineValue]]](repeating: [], count: plan.reads.count)
        var snapshotReads: [OnlineViewRead] = []
        var snapshotPositions: [Int] = []
        for (index, read) in plan.reads.enumerated() {
            let keys = Self.keys(of: read, in: entities)
            if case let (aggregates, layout)? = try aggregateState(of: read) {
                rows[index] = try await aggregates.readAggregates(
                    keys, layout: layout, features: read.features, now: now)
            } else {
                snapshotReads.append(
                    OnlineViewRead(table: table(of: read), entities: keys, features: read.features, ttl: read.view.ttl))
                snapshotPositions.append(index)
            }
        }
        if !snapshotReads.isEmpty {
            for (position, viewRows) in zip(snapshotPositions, try await store.read(snapshotReads, now: now)) {
                rows[position] = viewRows
            }
        }
        return Self.response(plan, entities: entities, rows: rows)
    }

    /// ``read(_:entities:now:)`` for synchronous callers (the command line), off the cooperative
    /// pool; a backend that is synchronous (RocksDB) answers without any task.
    public func readSynchronously(_ plan: OnlineReadPlan, entities: EntityRows, now: Timestamp) throws
        -> OnlineFeaturesResponse
    {
        let entities = try entities.validated(for: plan)
        let rows = try plan.reads.map { read in
            let keys = Self.keys(of: read, in: entities)
            if case let (aggregates, layout)? = try aggregateState(of: read) {
                return try aggregates.readAggregatesSynchronously(
                    keys, layout: layout, features: read.features, now: now)
            }
            return try store.readSynchronously(
                keys, from: table(of: read), features: read.features, ttl: read.view.ttl, now: now)
        }
        return Self.response(plan, entities: entities, rows: rows)
    }

    private static func keys(of read: OnlineReadPlan.ViewRead, in entities: EntityRows) -> [[FeatureValue]] {
        (0..<entities.count).map { entities.key(row: $0, joinKeys: read.joinKeys) }
    }

    private func table(of read: OnlineReadPlan.ViewRead) -> OnlineTable {
        tables[read.view.name] ?? OnlineTable(view: read.view.name, generation: 1, joinKeys: read.joinKeys.map(\.name))
    }

    /// Where an aggregate view's rows are (`nil` for a snapshot view).
    private func aggregateState(of read: OnlineReadPlan.ViewRead) throws
        -> (any OnlineAggregateStore, AggregateLayout)?
    {
        guard let layout = layouts[read.view.name] else { return nil }
        guard let aggregates = store.aggregates else {
            throw FeatureStoreError.storage(
                "feature view '\(read.view.name)' is a windowed aggregate, which the online store (\(store.location)) cannot hold"
            )
        }
        return (aggregates, layout)
    }

    /// The response: the join keys first, then each read's features at their output positions.
    private static func response(_ plan: OnlineReadPlan, entities: EntityRows, rows: [[[OnlineValue]]])
        -> OnlineFeaturesResponse
    {
        var columns = [[OnlineValue]](repeating: [], count: plan.featureNames.count)
        for (read, readRows) in zip(plan.reads, rows) {
            for (position, output) in read.outputIndexes.enumerated() {
                columns[output] = readRows.map { $0[position] }
            }
        }
        let keyColumns = entities.columns.map { column in
            column.values.map { OnlineValue(value: $0, status: .present, eventTime: Timestamp(microseconds: 0)) }
        }
        return OnlineFeaturesResponse(
            featureNames: entities.columns.map(\.name) + plan.featureNames, columns: keyColumns + columns)
    }
}

extension FeatureStore {
    /// Looks up online features (the library form of `fs get-online-features`), as of `time`
    /// (the clock's time when `nil`). Synchronous: call it off Swift's cooperative pool (the
    /// server looks up through ``OnlineReader`` itself).
    public func getOnlineFeatures(
        references: [FeatureReference]? = nil, service: String? = nil, entities: EntityRows,
        fullFeatureNames: Bool = false, at time: Timestamp? = nil
    ) throws -> OnlineFeaturesResponse {
        let snapshot = try snapshot()
        let plan: OnlineReadPlan
        if let service {
            plan = try OnlineReadPlan(
                service: service, definitions: snapshot.definitions, fullFeatureNames: fullFeatureNames)
        } else {
            plan = try OnlineReadPlan(
                references: references ?? [], definitions: snapshot.definitions, fullFeatureNames: fullFeatureNames)
        }
        let reader = OnlineReader(snapshot: snapshot, store: try onlineStore())
        let now = time ?? clock()
        return try reader.readSynchronously(plan, entities: entities, now: now)
    }
}
