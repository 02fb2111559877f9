import FeatureStoreCore
import Foundation
import OfflineStoreSQLite
import PostgresClient
import SQLite

extension PostgresOfflineStore {
    /// A `served_log` source as a source read in place (see ``OfflineStore/servedLogSource(_:)``):
    /// its `query` a SELECT over its feature service's log table with each declared outcome
    /// joined by request id (the latest recorded for the request: greatest event time, then the
    /// one written last), rows in the order logged. The reads take it through the path of
    /// `postgres` sources (``PostgresInPlaceSource``), so nothing is copied.
    ///
    /// A logged column the table lacks reads as null; a service that has logged nothing yet has
    /// no rows.
    ///
    /// - Throws: `invalidInput` when the latest outcome of a logged request does not fit the type
    ///   its column is declared as (the SQLite store's message); `invalidArgument` for a name
    ///   PostgreSQL would cut; `storage` or `unavailable` when PostgreSQL fails.
    public func servedLogSource(_ source: Source) throws -> Source {
        guard source.kind == .servedLog, let service = source.service else { return source }
        let table = ServedLogLayout.tableName(service: service)
        let outcomes = ServedLogColumns.outcomes(of: source)
        let loggedColumns = source.schema.dropLast(outcomes.count)
        try Self.requireFits(source: source, service: service)
        return try read { reader in
            let transaction = reader.transaction
            var resolved = source
            resolved.table = nil
            let present = try servedLogColumnNames(table, transaction)
            func null(_ field: Field) -> String { "NULL::\(field.type.postgresType) AS \(quoteIdentifier(field.name))" }
            guard !present.isEmpty else {
                resolved.query = "SELECT \(source.schema.map(null).joined(separator: ", ")) WHERE false"
                return resolved
            }
            let hasOutcomes = try tableExists(Self.outcomesTable, transaction)
            if hasOutcomes {
                for outcome in outcomes {
                    try checkOutcomeTypes(outcome, source: source, logTable: table, reader)
                }
            }
            var selected = loggedColumns.map { field in
                present.contains(field.name)
                    ? "l.\(quoteIdentifier(field.name)) AS \(quoteIdentifier(field.name))" : null(field)
            }
            for outcome in outcomes {
                selected.append(
                    hasOutcomes
                        ? "(SELECT \(Self.outcomeExpression(outcome.type)) FROM \(qualified(Self.outcomesTable)) o WHERE o.request_id = l.\(ServedLogColumns.requestID) AND o.name = \(Self.sqlLiteral(outcome.name)) ORDER BY o.event_ts DESC, o.__outcome_seq DESC LIMIT 1) AS \(quoteIdentifier(outcome.name))"
                        : null(outcome))
            }
            resolved.query =
                "SELECT \(selected.joined(separator: ", ")) FROM \(qualified(table)) AS l ORDER BY l.\(ServedLogLayout.sequenceColumn)"
            return resolved
        }
    }

    /// The value of outcome row `o` as a column of `type` reads it (a float64 column takes int64
    /// outcomes as their double, as SQLite reads an integer in a REAL column); the type check
    /// has refused every other mismatch a read would take.
    private static func outcomeExpression(_ type: ValueType) -> String {
        switch type {
        case .int64, .bool, .timestamp: "o.value_integer"
        case .float64: "COALESCE(o.value_real, o.value_integer::double precision)"
        case .string: "o.value_text"
        case .bytes: "o.value_bytes"
        }
    }

    /// Fails unless the log's table and every column the source reads have names PostgreSQL keeps whole.
    private static func requireFits(source: Source, service: String) throws {
        let table = ServedLogLayout.tableName(service: service)
        if table.utf8.count > PostgresIdentifier.maxBytes {
            throw FeatureStoreError.invalidArgument(
                "served_log source '\(source.name)' reads the log of feature service '\(service)', whose table would be named \(table) (\(table.utf8.count) bytes); PostgreSQL keeps at most \(PostgresIdentifier.maxBytes) bytes of a name, so the PostgreSQL offline store cannot keep that log. Give the service a shorter name"
            )
        }
        for field in source.schema where field.name.utf8.count > PostgresIdentifier.maxBytes {
            throw FeatureStoreError.invalidArgument(
                "served_log source '\(source.name)' has column '\(field.name)' (\(field.name.utf8.count) bytes); PostgreSQL keeps at most \(PostgresIdentifier.maxBytes) bytes of a name, so the PostgreSQL offline store cannot read it. Give the feature view, the feature or the outcome a shorter name"
            )
        }
    }

    /// Throws when the latest value of `outcome` recorded for a request of the log does not fit
    /// its declared type (the SQLite store's rule and message): an int64 column takes int64
    /// values; a float64 column float64 values and int64 values a double holds exactly (magnitude
    /// at most 2^53); string and bool columns their own type.
    private func checkOutcomeTypes(
        _ outcome: Field, source: Source, logTable: String, _ reader: PostgresHistoryReader
    ) throws {
        let accepted: String
        switch outcome.type {
        case .float64:
            accepted =
                "(o.value_type = 'float64' OR (o.value_type = 'int64' AND o.value_integer BETWEEN -9007199254740992 AND 9007199254740992))"
        default:
            accepted = "o.value_type = \(Self.sqlLiteral(outcome.type.rawValue))"
        }
        let outcomes = qualified(Self.outcomesTable)
        // Only the value a read would take counts: the latest for its request.
        let condition = """
            o.name = $1 AND NOT \(accepted)
            AND o.request_id IN (SELECT \(ServedLogColumns.requestID) FROM \(qualified(logTable)))
            AND NOT EXISTS (SELECT 1 FROM \(outcomes) p WHERE p.request_id = o.request_id AND p.name = o.name
                AND (p.event_ts > o.event_ts OR (p.event_ts = o.event_ts AND p.__outcome_seq > o.__outcome_seq)))
            """
        let sql = """
            SELECT o.request_id, o.value_type, (SELECT COUNT(*) FROM \(outcomes) o WHERE \(condition)),
                o.value_integer, o.value_real, o.value_text, o.value_bytes
            FROM \(outcomes) o WHERE \(condition) ORDER BY o.__outcome_seq LIMIT 1
            """
        var cursor = try reader.cursor(sql.replacingOccurrences(of: "$1", with: Self.sqlLiteral(outcome.name)), [])
        guard try cursor.step() else { return }
        var column: Int32 = 3
        while column < 6, cursor.isNull(column) { column += 1 }
        throw try ServedLogReading.outcomeMismatch(
            source: source, outcome: outcome, requestID: cursor.text(0), cursor, column, typeName: cursor.text(1),
            others: cursor.int64(2) - 1)
    }

    /// `text` as an SQL string literal (standard conforming: only quotes are doubled).
    static func sqlLiteral(_ text: String) -> String {
        "'" + text.map { $0 == "'" ? "''" : String($0) }.joined() + "'"
    }
}
