import FeatureStoreCore
import SQLite

extension OfflineStore {
    /// A `served_log` source as a source read in place: a SELECT over its feature service's log
    /// table with each declared outcome joined by request id (the latest recorded for the
    /// request: greatest event time, then the one received last), rows in the order logged.
    /// Nothing is copied: training sets, materialization and profiles read it like a `sqlite`
    /// source's query, with the log's microsecond times as `epoch_us`.
    ///
    /// A logged column the table lacks (a feature the service gained since its last write) reads
    /// as null; a service that has logged nothing yet has no rows.
    ///
    /// - Throws: `invalidInput` when the latest outcome of a logged request does not fit the
    ///   type its column is declared as (naming the request, the outcome and its value), so no
    ///   value is read wrong; `storage` when SQLite fails.
    public func servedLogSource(_ source: Source) throws -> Source {
        guard source.kind == .servedLog, let service = source.service else { return source }
        let table = ServedLogLayout.tableName(service: service)
        let outcomes = ServedLogColumns.outcomes(of: source)
        let loggedColumns = source.schema.dropLast(outcomes.count)
        return try storage {
            var resolved = source
            guard try database.tableExists(table) else {
                let columns = source.schema.map { "NULL AS \(quoteIdentifier($0.name))" }
                resolved.query = "SELECT \(columns.joined(separator: ", ")) WHERE 0"
                return resolved
            }
            let present = Set(try database.columns(of: table).map(\.name))
            let hasOutcomes = try database.tableExists(OutcomesTable.name)
            if hasOutcomes {
                for outcome in outcomes { try checkOutcomeTypes(outcome, source: source, logTable: table) }
            }
            var selected = loggedColumns.map { field in
                present.contains(field.name)
                    ? "l.\(quoteIdentifier(field.name)) AS \(quoteIdentifier(field.name))"
                    : "NULL AS \(quoteIdentifier(field.name))"
            }
            for outcome in outcomes {
                selected.append(
                    hasOutcomes
                        ? "(SELECT o.value FROM served_log_outcomes o WHERE o.request_id = l.\(ServedLogColumns.requestID) AND o.name = \(sqlLiteral(outcome.name)) ORDER BY o.event_ts DESC, o.__outcome_seq DESC LIMIT 1) AS \(quoteIdentifier(outcome.name))"
                        : "NULL AS \(quoteIdentifier(outcome.name))")
            }
            resolved.query =
                "SELECT \(selected.joined(separator: ", ")) FROM \(quoteIdentifier(table)) AS l ORDER BY l.\(ServedLogLayout.sequenceColumn)"
            return resolved
        }
    }

    /// Throws when the latest value of `outcome` recorded for a request of the log does not fit
    /// its declared type: an int64 column takes int64 values; a float64 column float64 values
    /// and int64 values a double holds exactly (magnitude at most 2^53); string and bool columns
    /// their own type.
    private func checkOutcomeTypes(_ outcome: Field, source: Source, logTable: String) throws {
        let accepted: String
        switch outcome.type {
        case .float64:
            accepted = "(o.value_type = 'float64' OR (o.value_type = 'int64' AND abs(o.value) <= 9007199254740992))"
        default:
            accepted = "o.value_type = \(sqlLiteral(outcome.type.rawValue))"
        }
        // Only the value a read would take counts: the latest for its request.
        let condition = """
            o.name = ?1 AND NOT \(accepted)
            AND o.request_id IN (SELECT \(ServedLogColumns.requestID) FROM \(quoteIdentifier(logTable)))
            AND NOT EXISTS (SELECT 1 FROM served_log_outcomes p WHERE p.request_id = o.request_id AND p.name = o.name
                AND (p.event_ts > o.event_ts OR (p.event_ts = o.event_ts AND p.__outcome_seq > o.__outcome_seq)))
            """
        let statement = try database.prepare(
            "SELECT o.request_id, o.value_type, o.value, (SELECT COUNT(*) FROM served_log_outcomes o WHERE \(condition)) FROM served_log_outcomes o WHERE \(condition) ORDER BY o.__outcome_seq LIMIT 1"
        )
        try statement.bind([.text(outcome.name)])
        guard try statement.step() else { return }
        throw try ServedLogReading.outcomeMismatch(
            source: source, outcome: outcome, requestID: statement.text(0), statement, 2, typeName: statement.text(1),
            others: statement.int64(3) - 1)
    }
}

/// `text` as an SQL string literal.
private func sqlLiteral(_ text: String) -> String { "'" + text.map { $0 == "'" ? "''" : String($0) }.joined() + "'" }
