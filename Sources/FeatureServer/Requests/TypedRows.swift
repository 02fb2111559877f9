import FeatureStoreKit

/// Rows checked and typed for writing: values by (mapped) column name, plus the event and
/// created times of each row. Built completely before anything is written, so a rejected request
/// writes nothing.
struct TypedRows {
    var count: Int
    var values: [String: [FeatureValue]]
    var eventTimes: [Timestamp]
    var createdTimes: [Timestamp]

    /// The online entries of `view`: its join keys and features from these rows.
    func onlineEntries(of view: FeatureView, joinKeys: [JoinKey]) -> [(key: [FeatureValue], record: OnlineRecord)] {
        let keyColumns = joinKeys.map { values[$0.name] ?? [] }
        let featureColumns = view.features.map { (name: $0.name, values: values[$0.name] ?? []) }
        return (0..<count).map { row in
            let key = keyColumns.map { $0[row] }
            let record = OnlineRecord(
                eventTime: eventTimes[row], createdTime: createdTimes[row],
                values: featureColumns.map { ($0.name, $0.values.isEmpty ? FeatureValue.null : $0.values[row]) })
            return (key, record)
        }
    }

    /// The rows as events for an aggregate view's online state, each with its identity and version
    /// (``eventIdentities(of:appended:now:)``).
    func aggregateEvents(
        for layout: AggregateLayout, joinKeys: [JoinKey], identities: [(id: Int64, version: Int64)]
    ) -> [AggregateEvent] {
        let keyColumns = joinKeys.map { values[$0.name] ?? [] }
        let columns = layout.columns.map { values[$0] ?? [] }
        return (0..<count).map { row in
            AggregateEvent(
                key: keyColumns.map { $0[row] }, id: identities[row].id, version: identities[row].version,
                time: eventTimes[row], created: createdTimes[row], values: columns.map { $0.isEmpty ? .null : $0[row] })
        }
    }

    /// Each row's event identity and version: those the offline history gave it when the push
    /// was appended there; for a push to the online store only, the hash of the source's
    /// `dedupe_on` values (else a random id: every pushed row is an event) and the push time.
    func eventIdentities(of source: Source, appended: AppendResult?, now: Timestamp) -> [(id: Int64, version: Int64)] {
        if let appended { return Array(zip(appended.identities, appended.sequences)) }
        let dedupe = source.dedupeOn.map { name in
            name == source.timestampField ? eventTimes.map(FeatureValue.timestamp) : values[name] ?? []
        }
        return (0..<count).map { row in
            let id =
                dedupe.isEmpty
                ? Int64.random(in: 0...Int64.max)
                : ContentHash.eventIdentity(dedupe.map { $0.isEmpty ? .null : $0[row] })
            return (id, now.microseconds)
        }
    }

    /// The rows in the column order of `table` (event time, created time, value columns).
    func historyRows(for table: HistoryTable, hasCreated: Bool) -> [[FeatureValue]] {
        let columns = table.valueColumns.map { values[$0.name] ?? [] }
        return (0..<count).map { row in
            var out: [FeatureValue] = []
            out.reserveCapacity(2 + columns.count)
            out.append(.timestamp(eventTimes[row]))
            out.append(hasCreated ? .timestamp(createdTimes[row]) : .null)
            for column in columns { out.append(column.isEmpty ? .null : column[row]) }
            return out
        }
    }

    /// Refuses the request when an event time is later than `limit` allows, naming the row.
    func checkEventTimes(_ limit: EventTimeLimit, column: String) throws {
        for (row, time) in eventTimes.enumerated() {
            if let problem = limit.problem(time) {
                throw FeatureStoreError.invalidArgument(
                    "df.\(column)[\(row)]: '\(time.rfc3339)' \(problem); nothing was written")
            }
        }
    }

    /// Checks that the `required` columns have a value in every row.
    static func requireValues(_ values: [FeatureValue], column: String, what: String) throws {
        if let row = values.firstIndex(where: \.isNull) {
            throw FeatureStoreError.invalidArgument(
                "column '\(column)' value #\(row + 1) is null; \(what) needs a value in every row")
        }
    }

    /// Reads a timestamp column, every row required.
    static func timestamps(_ values: [JSONValue], column: String) throws -> [Timestamp] {
        try values.enumerated().map { row, value in
            guard case .timestamp(let time) = try value.featureValue(as: .timestamp, column: column, row: row) else {
                throw FeatureStoreError.invalidArgument(
                    "column '\(column)' value #\(row + 1) is null; every row needs a timestamp (RFC 3339 or seconds since the epoch)"
                )
            }
            return time
        }
    }
}
