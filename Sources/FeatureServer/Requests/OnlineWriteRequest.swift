import FeatureStoreKit

/// A parsed `POST /write-to-online-store` body: `{"feature_view_name": ..., "df": {...}}`, as
/// Feast's `remote` online store sends it: the join keys, every feature, the event timestamp
/// (`event_timestamp`, `event_ts` or the source's timestamp field) and optionally the created
/// timestamp (`created`, `created_ts` or the source's created field).
struct OnlineWriteRequest {
    var view: FeatureView
    var joinKeys: [JoinKey]
    var rows: TypedRows

    /// - Throws: `notFound` for an unknown view; `invalidArgument` for an offline or aggregate
    ///   view, a missing or unknown column, or a bad value.
    init(_ body: JSONValue, definitions: RepoDefinitions, maxRows: Int) throws {
        let name = try body.requiredString("feature_view_name", hint: "give the name of a feature view")
        guard let view = definitions.featureView(name) else {
            let names = definitions.featureViews.map(\.name)
            throw FeatureStoreError.notFound(
                "unknown feature view '\(name)'.\(Suggestion.didYouMean(name, in: names)) Registered views: \(Suggestion.list(names))."
            )
        }
        guard view.online else {
            throw FeatureStoreError.invalidArgument(
                "feature view '\(name)' is not online (`online: false`); nothing can be written for it")
        }
        guard !view.isAggregate else {
            throw FeatureStoreError.invalidArgument(
                "feature view '\(name)' computes windowed aggregates, which cannot be written directly; push its source's events instead"
            )
        }
        let source = definitions.source(view.source)
        let frame = try DataFrame(body, field: "df", maxRows: maxRows)
        let joinKeys = definitions.joinKeys(of: view)
        let eventNames = [source?.timestampField, "event_timestamp", "event_ts"].compactMap { $0 }
        let createdNames = [source?.createdTimestampField, "created", "created_ts"].compactMap { $0 }
        let known = joinKeys.map(\.name) + view.features.map(\.name) + eventNames + createdNames
        for (column, _) in frame.columns where !known.contains(column) {
            throw FeatureStoreError.invalidArgument(
                "column '\(column)' is neither a join key nor a feature of view '\(name)'.\(Suggestion.didYouMean(column, in: known)) Expected: \(Suggestion.list(joinKeys.map(\.name) + view.features.map(\.name))) and an event timestamp."
            )
        }
        guard let eventName = eventNames.first(where: { frame.column($0) != nil }),
            let eventColumn = frame.column(eventName)
        else {
            throw FeatureStoreError.invalidArgument(
                "missing the event timestamp column; name it \(Suggestion.list(eventNames))")
        }
        let eventTimes = try TypedRows.timestamps(eventColumn, column: eventName)
        var createdTimes = [Timestamp](repeating: Timestamp(microseconds: 0), count: frame.count)
        if let createdName = createdNames.first(where: { frame.column($0) != nil }),
            let column = frame.column(createdName)
        {
            createdTimes = try column.enumerated().map { row, value in
                if case .timestamp(let time) = try value.featureValue(as: .timestamp, column: createdName, row: row) {
                    return time
                }
                return Timestamp(microseconds: 0)
            }
        }
        var values: [String: [FeatureValue]] = [:]
        for key in joinKeys {
            guard let column = frame.column(key.name) else {
                throw FeatureStoreError.invalidArgument(
                    "missing join key column '\(key.name)' (\(key.valueType.rawValue)) of view '\(name)'")
            }
            let typed = try column.enumerated().map { row, value in
                try value.featureValue(as: key.valueType, column: key.name, row: row)
            }
            try TypedRows.requireValues(typed, column: key.name, what: "a join key")
            values[key.name] = typed
        }
        for feature in view.features {
            guard let column = frame.column(feature.name) else {
                throw FeatureStoreError.invalidArgument(
                    "missing feature column '\(feature.name)' (\(feature.type.rawValue)) of view '\(name)'; send every feature (null where unknown)"
                )
            }
            values[feature.name] = try column.enumerated().map { row, value in
                try value.featureValue(as: feature.type, column: feature.name, row: row)
            }
        }
        self.view = view
        self.joinKeys = joinKeys
        self.rows = TypedRows(count: frame.count, values: values, eventTimes: eventTimes, createdTimes: createdTimes)
    }
}
