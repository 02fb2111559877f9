import FeatureStoreKit

/// A parsed `POST /get-online-features` body (Feast's shape).
///
/// `{"features": ["view:feature", ...]}` or `{"feature_service": "name"}`, with
/// `"entities": {"join_key": [v1, v2, ...]}` (column order kept) and optional
/// `"full_feature_names": bool`.
struct OnlineFeaturesRequest {
    /// The `features` strings as sent (parsed into references only when the plan is not cached).
    var features: [String]?
    var service: String?
    /// The entity columns as sent; typed against the join keys by ``entities(for:)``.
    var entityColumns: [(name: String, values: [JSONValue])]
    var fullFeatureNames: Bool

    /// - Throws: `invalidArgument` naming the offending member, or the limit exceeded.
    init(_ body: JSONValue, maxEntities: Int) throws {
        guard case .object = body else {
            throw FeatureStoreError.invalidArgument(
                "the request body is \(body.kindDescription); send a JSON object with \"features\" and \"entities\"")
        }
        switch (body["features"], body["feature_service"]) {
        case (.some, .some):
            throw FeatureStoreError.invalidArgument("give either \"features\" or \"feature_service\", not both")
        case (.some(let features), nil):
            guard case .array(let items) = features else {
                throw FeatureStoreError.invalidArgument(
                    "\"features\" is \(features.kindDescription); give an array of \"view:feature\" strings")
            }
            self.features = try items.map { item in
                guard case .string(let text) = item else {
                    throw FeatureStoreError.invalidArgument(
                        "feature reference \(item.shortDescription) is not of the form \"view:feature\"")
                }
                return text
            }
        case (nil, .some(let service)):
            guard case .string(let name) = service else {
                throw FeatureStoreError.invalidArgument(
                    "\"feature_service\" is \(service.kindDescription); give the service's name")
            }
            self.service = name
        case (nil, nil):
            throw FeatureStoreError.invalidArgument(
                "name the features: give \"features\": [\"view:feature\", ...] or \"feature_service\": \"name\"")
        }
        switch body["full_feature_names"] {
        case nil, .null?: fullFeatureNames = false
        case .bool(let flag)?: fullFeatureNames = flag
        case let other?:
            throw FeatureStoreError.invalidArgument(
                "\"full_feature_names\" is \(other.kindDescription); give true or false")
        }
        guard let entities = body["entities"] else {
            throw FeatureStoreError.invalidArgument("missing \"entities\": give {\"join_key\": [values...]}")
        }
        guard case .object(let members) = entities else {
            throw FeatureStoreError.invalidArgument(
                "\"entities\" is \(entities.kindDescription); give {\"join_key\": [values...]}")
        }
        var columns: [(name: String, values: [JSONValue])] = []
        for (name, column) in members {
            let values: [JSONValue]
            switch column {
            case .array(let items):
                if items.count > maxEntities {
                    throw FeatureStoreError.invalidArgument(
                        "\"entities\" has \(items.count) rows, more than the server's limit of \(maxEntities) (--max-entities); split the request"
                    )
                }
                values = items
            default:
                throw FeatureStoreError.invalidArgument(
                    "entity column '\(name)' is \(column.kindDescription); give an array with one value per entity")
            }
            if columns.contains(where: { $0.name == name }) {
                throw FeatureStoreError.invalidArgument("entity column '\(name)' appears twice; list it once")
            }
            columns.append((name, values))
        }
        self.entityColumns = columns
    }

    /// The entities typed strictly against the plan's join keys: an int64 key takes only JSON
    /// integers in range, a string key only strings. Columns that are not join keys pass through
    /// for ``EntityRows/validated(for:)`` to name.
    ///
    /// - Throws: `invalidArgument` naming the path (`entities.driver_id[2]`) and the value.
    func entities(for plan: OnlineReadPlan) throws -> EntityRows {
        EntityRows(
            columns: try entityColumns.map { column in
                guard let key = plan.joinKeys.first(where: { $0.name == column.name }) else {
                    return (column.name, [])
                }
                var values: [FeatureValue] = []
                values.reserveCapacity(column.values.count)
                for (row, value) in column.values.enumerated() {
                    values.append(
                        try value.entityKey(as: key.valueType, at: JSONPath.cell("entities", column.name, row)))
                }
                return (column.name, values)
            })
    }

    /// Resolves the features against the served definitions, through the snapshot's plan cache.
    func plan(_ state: ReadState) throws -> OnlineReadPlan {
        let key = PlanCache.Key(features: features ?? [], service: service, fullFeatureNames: fullFeatureNames)
        return try state.plans.plan(for: key) {
            let definitions = state.snapshot.definitions
            if let service {
                return try OnlineReadPlan(
                    service: service, definitions: definitions, fullFeatureNames: fullFeatureNames)
            }
            let references = try (features ?? []).map { text in
                guard let reference = FeatureReference(parsing: text) else {
                    throw FeatureStoreError.invalidArgument(
                        "feature reference \"\(text)\" is not of the form \"view:feature\"")
                }
                return reference
            }
            return try OnlineReadPlan(
                references: references, definitions: definitions, fullFeatureNames: fullFeatureNames)
        }
    }
}
