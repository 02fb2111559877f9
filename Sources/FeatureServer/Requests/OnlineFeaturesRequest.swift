import FeatureStoreKit

/// A `POST /get-online-features` body (Feast's shape), decoded in place: no tree of the document
/// is built, and the entities go straight into typed keys once the plan names their types.
///
/// `{"features": ["view:feature", ...]}` or `{"feature_service": "name"}`, with
/// `"entities": {"join_key": [v1, v2, ...]}` (column order kept) and optional
/// `"full_feature_names": bool`; other members are ignored (after the syntax check).
///
/// Reading costs at most a few times the body: the whole document is first checked without keeping
/// anything (syntax, repeated members, depth), then only the four members above are read, every
/// list bounded (``LookupLimits``) before its items are kept.
struct OnlineFeaturesRequest {
    /// One entity column: its name and where its array is in the body.
    struct EntityColumn {
        var name: String
        /// The offset of the column's `[`.
        var offset: Int
        var rows: Int
    }

    var selection: FeatureSelection
    var entityColumns: [EntityColumn]

    /// Checks and reads everything but the entity values.
    ///
    /// - Throws: `invalidInput` for a body that is not JSON (offset and path); `invalidArgument`
    ///   naming the offending member, or the limit exceeded.
    init(_ body: UnsafeBufferPointer<UInt8>, limits: LookupLimits) throws {
        try JSONReader.document(body) { try $0.skipValue() }
        var top = JSONReader(body)
        guard try top.peek() == .object else {
            throw FeatureStoreError.invalidArgument(
                "the request body is \(try top.readShallowValue().kindDescription); send a JSON object with \"features\" and \"entities\""
            )
        }
        var offsets: [String: Int] = [:]
        try top.readObject(checkingRepeats: false) { reader, name in
            switch name {
            case "features", "feature_service", "full_feature_names", "entities": offsets[name] = reader.index
            default: break
            }
            try reader.skipValue()
        }
        func member(_ name: String) -> JSONReader? {
            offsets[name].map { JSONReader(body, at: $0, path: JSONPath([.key(name)])) }
        }

        var selection = FeatureSelection()
        switch (member("features"), member("feature_service")) {
        case (.some, .some):
            throw FeatureStoreError.invalidArgument("give either \"features\" or \"feature_service\", not both")
        case (.some(var reader), nil):
            selection.features = try Self.references(&reader, limit: limits.references)
        case (nil, .some(var reader)):
            guard try reader.peek() == .string else {
                throw FeatureStoreError.invalidArgument(
                    "\"feature_service\" is \(try reader.readShallowValue().kindDescription); give the service's name")
            }
            selection.service = try reader.readString()
        case (nil, nil):
            throw FeatureStoreError.invalidArgument(
                "name the features: give \"features\": [\"view:feature\", ...] or \"feature_service\": \"name\"")
        }
        if var reader = member("full_feature_names") {
            switch try reader.readShallowValue() {
            case .null: break
            case .bool(let flag): selection.fullFeatureNames = flag
            case let other:
                throw FeatureStoreError.invalidArgument(
                    "\"full_feature_names\" is \(other.kindDescription); give true or false")
            }
        }
        guard var entities = member("entities") else {
            throw FeatureStoreError.invalidArgument("missing \"entities\": give {\"join_key\": [values...]}")
        }
        self.selection = selection
        self.entityColumns = try Self.entityColumns(&entities, limits: limits)
    }

    /// The `features` strings, at most `limit` of them.
    private static func references(_ reader: inout JSONReader, limit: Int) throws -> [String] {
        guard try reader.peek() == .array else {
            throw FeatureStoreError.invalidArgument(
                "\"features\" is \(try reader.readShallowValue().kindDescription); give an array of \"view:feature\" strings"
            )
        }
        var features: [String] = []
        try reader.readArray { reader, index in
            guard index < limit else {
                throw FeatureStoreError.invalidArgument(
                    "\"features\" lists more than \(limit) references, more than the served views have features (and view:* wildcards); list each feature once"
                )
            }
            guard try reader.peek() == .string else {
                throw FeatureStoreError.invalidArgument(
                    "feature reference \(try reader.readShallowValue().shortDescription) is not of the form \"view:feature\""
                )
            }
            features.append(try reader.readString())
        }
        return features
    }

    /// The names, places and sizes of the entity columns (their values passed over, counted).
    private static func entityColumns(_ reader: inout JSONReader, limits: LookupLimits) throws -> [EntityColumn] {
        guard try reader.peek() == .object else {
            throw FeatureStoreError.invalidArgument(
                "\"entities\" is \(try reader.readShallowValue().kindDescription); give {\"join_key\": [values...]}")
        }
        var columns: [EntityColumn] = []
        try reader.readObject(checkingRepeats: false) { reader, name in
            guard columns.count < limits.keyColumns else {
                throw FeatureStoreError.invalidArgument(
                    "\"entities\" has more than \(limits.keyColumns) columns, more than the served entities have join keys; give one column per join key"
                )
            }
            guard try reader.peek() == .array else {
                throw FeatureStoreError.invalidArgument(
                    "entity column '\(name)' is \(try reader.readShallowValue().kindDescription); give an array with one value per entity"
                )
            }
            let offset = reader.index
            var rows = 0
            try reader.readArray { reader, _ in
                rows += 1
                try reader.skipValue()
            }
            try FeatureServer.checkEntityRows(rows, limit: limits.entities)
            columns.append(EntityColumn(name: name, offset: offset, rows: rows))
        }
        return columns
    }

    /// The entities typed strictly against the plan's join keys: an int64 key takes only JSON
    /// integers in range, a string key only strings. Columns that are not join keys pass through
    /// (empty) for ``EntityRows/validated(for:)`` to name.
    ///
    /// - Parameter body: the body this request was read from.
    /// - Throws: `invalidArgument` naming the path (`entities.driver_id[2]`) and the value.
    func entities(in body: UnsafeBufferPointer<UInt8>, for plan: OnlineReadPlan) throws -> EntityRows {
        EntityRows(
            columns: try entityColumns.map { column in
                guard let key = plan.joinKeys.first(where: { $0.name == column.name }) else {
                    return (column.name, [])
                }
                var reader = JSONReader(body, at: column.offset, path: JSONPath([.key("entities"), .key(column.name)]))
                var values: [FeatureValue] = []
                values.reserveCapacity(column.rows)
                try reader.readArray { reader, _ in values.append(try reader.readEntityKey(as: key.valueType)) }
                return (column.name, values)
            })
    }
}

/// How much of a lookup body is read before it is refused: each bound is one no valid request
/// exceeds, so that a body costs at most a few times its size whatever it holds.
struct LookupLimits: Sendable {
    /// Entity rows per column (`--max-entities`).
    var entities: Int
    /// Feature references: a valid request lists each feature of a served view at most once, or
    /// the view's `view:*`.
    var references: Int
    /// Entity columns: a valid request gives only join keys.
    var keyColumns: Int

    /// The most references a valid request for `definitions` lists.
    static func references(in definitions: RepoDefinitions) -> Int {
        max(1, definitions.featureViews.reduce(0) { $0 + $1.outputFeatures.count + 1 })
    }

    /// The most entity columns a valid request for `definitions` gives.
    static func keyColumns(in definitions: RepoDefinitions) -> Int {
        max(1, Set(definitions.entities.flatMap { $0.joinKeys.map(\.name) }).count)
    }
}

extension JSONReader {
    /// Reads the value of a join key of `type` at the cursor: an int64 key takes only a JSON
    /// integer in range, a string key only a string (what Feast's clients send).
    ///
    /// - Throws: `invalidArgument` naming the path (`entities.driver_id[2]`), the value and the key's type.
    mutating func readEntityKey(as type: ValueType) throws -> FeatureValue {
        switch (try peek(), type) {
        case (.string, .string):
            return .string(try readString())
        case (.number, .int64):
            let number = try readNumber()
            if case .int(let value) = number { return .int64(value) }
            return try number.entityKey(as: type, at: pathDescription)
        default:
            return try readShallowValue().entityKey(as: type, at: pathDescription)
        }
    }
}
