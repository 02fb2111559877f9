import FeatureStoreKit

/// A parsed `POST /push` body: `{"push_source_name": ..., "df": {"column": [...]}, "to": ...}`,
/// checked against the push source's schema.
struct PushRequest {
    var source: Source
    var destination: PushDestination
    var rows: TypedRows

    /// - Throws: `notFound` for an unknown source; `invalidArgument` for a source that is not a push
    ///   source, a missing or unknown column, a null key or event time, or a value of the wrong type.
    init(_ body: JSONValue, definitions: RepoDefinitions, maxRows: Int) throws {
        let name = try body.requiredString("push_source_name", hint: "give the name of a push source")
        guard let source = definitions.source(name) else {
            let pushSources = definitions.sources.filter { $0.kind == .push }.map(\.name)
            throw FeatureStoreError.notFound(
                "unknown push source '\(name)'.\(Suggestion.didYouMean(name, in: pushSources)) Push sources: \(Suggestion.list(pushSources))."
            )
        }
        guard source.kind == .push else {
            throw FeatureStoreError.invalidArgument(
                "source '\(name)' is of kind \(source.kind.rawValue), not push; declare a source with `kind: push` to push rows to it"
            )
        }
        self.source = source
        self.destination = try PushDestination(body)
        let frame = try DataFrame(body, field: "df", maxRows: maxRows)

        // Every column must be one of the schema's fields (raw or mapped name).
        var byField: [String: [JSONValue]] = [:]
        let fieldNames = source.schema.map(\.name)
        for (column, values) in frame.columns {
            guard let field = source.schema.first(where: { $0.name == column || source.mappedName($0.name) == column })
            else {
                throw FeatureStoreError.invalidArgument(
                    "column '\(column)' is not in the schema of push source '\(name)'.\(Suggestion.didYouMean(column, in: fieldNames)) Its columns: \(Suggestion.list(fieldNames))."
                )
            }
            byField[source.mappedName(field.name)] = values
        }
        var keyNames = Set<String>()
        for view in definitions.featureViews where view.source == name {
            for key in definitions.joinKeys(of: view) { keyNames.insert(key.name) }
        }

        guard let eventColumn = byField[source.timestampField] else {
            throw FeatureStoreError.invalidArgument(
                "missing column '\(source.timestampField)', the event timestamp of push source '\(name)'")
        }
        let eventTimes = try TypedRows.timestamps(eventColumn, column: source.timestampField)
        var createdTimes = [Timestamp](repeating: Timestamp(microseconds: 0), count: frame.count)
        if let created = source.createdTimestampField, let column = byField[created] {
            createdTimes = try TypedRows.timestamps(column, column: created)
        }
        var values: [String: [FeatureValue]] = [:]
        for field in source.columns {
            guard let column = byField[field.name] else {
                throw FeatureStoreError.invalidArgument(
                    "missing column '\(field.name)' (\(field.type.rawValue)) of push source '\(name)'; send every schema column (null where unknown)"
                )
            }
            let typed = try column.enumerated().map { row, value in
                try value.featureValue(as: field.type, column: field.name, row: row)
            }
            if keyNames.contains(field.name) {
                try TypedRows.requireValues(typed, column: field.name, what: "a join key")
            }
            values[field.name] = typed
        }
        self.rows = TypedRows(count: frame.count, values: values, eventTimes: eventTimes, createdTimes: createdTimes)
    }
}
