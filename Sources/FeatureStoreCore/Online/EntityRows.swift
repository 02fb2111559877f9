/// The entities of an online lookup, column-oriented as in Feast's requests: each join key with
/// one value per entity row.
public struct EntityRows: Sendable, Hashable {
    public var columns: [(name: String, values: [FeatureValue])]

    public init(columns: [(name: String, values: [FeatureValue])]) { self.columns = columns }

    public static func == (lhs: EntityRows, rhs: EntityRows) -> Bool {
        lhs.columns.map(\.name) == rhs.columns.map(\.name) && lhs.columns.map(\.values) == rhs.columns.map(\.values)
    }

    public func hash(into hasher: inout Hasher) {
        for column in columns {
            hasher.combine(column.name)
            hasher.combine(column.values)
        }
    }

    /// The number of entity rows.
    public var count: Int { columns.first?.values.count ?? 0 }

    /// Checks the columns against what `plan` needs, converting values to the join keys' types.
    ///
    /// - Throws: `invalidArgument` naming the column for a missing or unknown join key, columns of
    ///   unequal length, or a value of the wrong type.
    public func validated(for plan: OnlineReadPlan) throws -> EntityRows {
        guard !columns.isEmpty else {
            throw FeatureStoreError.invalidArgument(
                "no entities given; pass the join keys \(Suggestion.list(plan.joinKeys.map(\.name))) with one value per entity"
            )
        }
        let count = columns[0].values.count
        var result: [(name: String, values: [FeatureValue])] = []
        for column in columns {
            guard let key = plan.joinKeys.first(where: { $0.name == column.name }) else {
                throw FeatureStoreError.invalidArgument(
                    "'\(column.name)' is not a join key of the requested features.\(Suggestion.didYouMean(column.name, in: plan.joinKeys.map(\.name))) They need: \(Suggestion.list(plan.joinKeys.map(\.name)))."
                )
            }
            guard column.values.count == count else {
                throw FeatureStoreError.invalidArgument(
                    "entity column '\(column.name)' has \(column.values.count) values but '\(columns[0].name)' has \(count); give every join key one value per entity"
                )
            }
            let converted = try column.values.enumerated().map { index, value in
                try Self.convert(value, to: key.valueType, column: column.name, index: index)
            }
            result.append((column.name, converted))
        }
        for key in plan.joinKeys where !columns.contains(where: { $0.name == key.name }) {
            let users = plan.reads.filter { $0.joinKeys.contains(key) }.map(\.view.name)
            throw FeatureStoreError.invalidArgument(
                "missing join key '\(key.name)' (\(key.valueType.rawValue)), needed by feature view \(Suggestion.list(users)); add it to the entities"
            )
        }
        return EntityRows(columns: result)
    }

    private static func convert(_ value: FeatureValue, to type: ValueType, column: String, index: Int) throws
        -> FeatureValue
    {
        switch (value, type) {
        case (.int64, .int64), (.string, .string): return value
        case (.string(let text), .int64):
            if let number = Int64(text) { return .int64(number) }
        case (.float64(let number), .int64):
            if number.rounded() == number, let exact = Int64(exactly: number) { return .int64(exact) }
        default: break
        }
        throw FeatureStoreError.invalidArgument(
            "entity column '\(column)' value #\(index + 1) (\(value.text.isEmpty ? "null" : value.text)) is not a \(type.rawValue); join key '\(column)' holds \(type.rawValue) values"
        )
    }

    /// The key of entity row `row` for a view with `joinKeys`.
    public func key(row: Int, joinKeys: [JoinKey]) -> [FeatureValue] {
        joinKeys.map { key in columns.first { $0.name == key.name }!.values[row] }
    }
}
