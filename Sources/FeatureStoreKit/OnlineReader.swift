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
    public let store: OnlineStore
    /// Per view, built once per snapshot rather than per request.
    private let keyspaces: [String: OnlineKeyspace]
    private let layouts: [String: AggregateLayout]

    public init(snapshot: RegistrySnapshot, store: OnlineStore) {
        self.definitions = snapshot.definitions
        self.store = store
        var keyspaces: [String: OnlineKeyspace] = [:]
        var layouts: [String: AggregateLayout] = [:]
        for view in snapshot.definitions.featureViews {
            let generation = snapshot.generation(ofView: view.name)
            keyspaces[view.name] = OnlineKeyspace(view: view.name, generation: generation)
            if view.isAggregate { layouts[view.name] = AggregateLayout(view: view, generation: generation) }
        }
        self.keyspaces = keyspaces
        self.layouts = layouts
    }

    /// Looks up `plan`'s features for `entities` as of `now` (ttl enforced against it).
    public func read(_ plan: OnlineReadPlan, entities: EntityRows, now: Timestamp) throws -> OnlineFeaturesResponse {
        let entities = try entities.validated(for: plan)
        let rowCount = entities.count
        var columns = [[OnlineValue]](repeating: [], count: plan.featureNames.count)
        for read in plan.reads {
            let keys = (0..<rowCount).map { entities.key(row: $0, joinKeys: read.joinKeys) }
            let rows: [[OnlineValue]]
            if let layout = layouts[read.view.name] {
                rows = try store.readAggregates(keys, layout: layout, features: read.features, now: now)
            } else {
                let keyspace = keyspaces[read.view.name] ?? OnlineKeyspace(view: read.view.name, generation: 1)
                rows = try store.read(keys, from: keyspace, features: read.features, ttl: read.view.ttl, now: now)
            }
            for (position, output) in read.outputIndexes.enumerated() {
                columns[output] = rows.map { $0[position] }
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
    /// (the clock's time when `nil`).
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
        return try OnlineReader(snapshot: snapshot, store: onlineStore()).read(
            plan, entities: entities, now: time ?? clock())
    }
}
