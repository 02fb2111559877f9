import FeatureStoreCore
import SQLite

/// The served log's checks and readers that both offline stores share, so the two accept the
/// same batches and read back the same rows and values with the same messages.
package enum ServedLogReading {
    /// Fails unless every row of the batch has one key per layout key and one value per logged feature.
    ///
    /// - Throws: `invalidInput` naming the service and both widths.
    package static func checkWidths(_ batch: [(layout: ServedLogLayout, rows: [ServedLogRow])]) throws {
        for (layout, rows) in batch {
            for row in rows where row.keys.count != layout.keys.count || row.values.count != layout.features.count {
                throw FeatureStoreError.invalidInput(
                    "a served log row of feature service '\(layout.service)' has \(row.keys.count) keys and \(row.values.count) features; its layout has \(layout.keys.count) and \(layout.features.count)"
                )
            }
        }
    }

    /// Fails for a null outcome value (an outcome names what happened).
    package static func checkOutcomes(_ outcomes: [LoggedOutcome]) throws {
        for outcome in outcomes {
            for value in outcome.values where value.value.type == nil {
                throw FeatureStoreError.invalidInput(
                    "outcome '\(value.name)' of request '\(outcome.requestID)' is null; omit a value that is not known")
            }
        }
    }

    /// The row at `cursor`, whose columns are ``ServedLogLayout/columnNames`` in order (a column
    /// the table lacks selected as NULL).
    ///
    /// - Throws: `invalidInput` for a stored value that does not fit the layout's type.
    package static func row(_ cursor: some RowCursor, layout: ServedLogLayout) throws -> ServedLogRow {
        let origin = SourceOrigin(servedLog: layout)
        var column: Int32 = 0
        var keys: [FeatureValue] = []
        for key in layout.keys {
            keys.append(try SourceValues.value(cursor, column, key.type, nil, origin: origin))
            column += 1
        }
        var values: [OnlineValue] = []
        for feature in layout.features {
            let value = try SourceValues.value(cursor, column, feature.type, nil, origin: origin)
            let time = cursor.isNull(column + 1) ? nil : Timestamp(microseconds: cursor.int64(column + 1))
            let status = cursor.isNull(column + 2) ? nil : FeatureStatus(rawValue: cursor.text(column + 2))
            values.append(OnlineValue(value: value, status: status ?? .notFound, eventTime: time))
            column += 3
        }
        return ServedLogRow(
            keys: keys, values: values, logTimestamp: Timestamp(microseconds: cursor.int64(column)),
            requestID: cursor.isNull(column + 1) ? "" : cursor.text(column + 1),
            serviceVersion: cursor.int64(column + 2))
    }

    /// A stored outcome value of type `typeName` (as stored in `value_type`) at `column`.
    package static func outcomeValue(_ cursor: some RowCursor, _ column: Int32, typeName: String) throws
        -> FeatureValue
    {
        try SourceValues.value(
            cursor, column, ValueType(rawValue: typeName) ?? .string, nil,
            origin: SourceOrigin(view: "outcomes", source: OutcomesTable.name))
    }

    /// The refusal of a `served_log` source whose latest outcome of a request does not fit the
    /// declared type of its column.
    ///
    /// - Parameters:
    ///   - cursor, column, typeName: the offending stored value and its stored type.
    ///   - others: how many other requests' latest outcomes do not fit either.
    package static func outcomeMismatch(
        source: Source, outcome: Field, requestID: String, _ cursor: some RowCursor, _ column: Int32,
        typeName: String, others: Int64
    ) throws -> FeatureStoreError {
        let type = ValueType(rawValue: typeName) ?? .string
        let origin = SourceOrigin(view: "served_log source '\(source.name)'", source: OutcomesTable.name)
        let value = try SourceValues.value(cursor, column, type, nil, origin: origin)
        let more = others > 0 ? " (and \(others) other request\(others == 1 ? "" : "s"))" : ""
        return FeatureStoreError.invalidInput(
            "served_log source '\(source.name)': the latest outcome '\(outcome.name)' of request \(Quote.value(requestID))\(more) is \(type.rawValue) \(Quote.value(value.text)), but the source's schema declares '\(outcome.name)' as \(outcome.type.rawValue). Declare it with a type that holds it (float64 holds int64 outcomes), or post a corrected outcome for the request to POST /log/outcomes (the latest event time wins)"
        )
    }

    /// The outcomes table's name (the same in both stores).
    package static let outcomesTable = OutcomesTable.name
    /// The consistency results table's name (the same in both stores).
    package static let consistencyTable = ConsistencyTable.name
}
