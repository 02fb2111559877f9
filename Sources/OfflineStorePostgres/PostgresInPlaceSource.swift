import FeatureStoreCore
import OfflineStoreSQLite
import PostgresClient
import SQLite

/// A `postgres` source made readable by the shared row readers: its `table` or `query` checked
/// against the source's schema (the table and every column exist, each column's PostgreSQL type
/// can be read as its declared type) and wrapped in a generated SELECT that yields every schema
/// column under its raw name, converted to the cells ``SourceValues`` reads the way it reads
/// SQLite's (see ``PostgresInPlaceColumnType/expression(_:as:)``). Nothing is copied: training
/// sets and materialization stream the SELECT through the store's cursor.
struct PostgresInPlaceSource {
    let source: Source
    /// The offline store's schema (unquoted) and location, for messages.
    let storeSchema: String
    let location: String

    /// The settings every read of a source in place runs under (in its own transaction only):
    /// unqualified names in the store's schema, then `public`; ISO dates; text of `timestamptz`
    /// in UTC; doubles as text in their shortest exact form.
    static func applySettings(schema quotedSchema: String, _ transaction: PostgresTransaction) throws {
        try transaction.query(
            "SELECT set_config('search_path', $1, true), set_config('DateStyle', 'ISO, YMD', true), set_config('TimeZone', 'UTC', true), set_config('extra_float_digits', '1', true)",
            [.text("\(quotedSchema), public")])
    }

    /// The source with its `query` replaced by the generated SELECT (and no `table`).
    ///
    /// - Throws: ``FeatureStoreError``: `notFound` for a missing table or column, `invalidInput`
    ///   for a column whose type cannot be read as declared, `invalidArgument` for a query that
    ///   PostgreSQL refuses; each naming the source, and the column and its type.
    func readable(_ transaction: PostgresTransaction) throws -> Source {
        guard !source.schema.isEmpty else {
            throw FeatureStoreError.invalidArgument(
                "source '\(source.name)' of kind postgres declares no columns; list them in its schema and run fs apply"
            )
        }
        let from: String
        let types: [Int64]
        if let table = source.table {
            guard let name = PostgresTableName(table) else {
                throw FeatureStoreError.invalidArgument(
                    "source '\(source.name)' of kind postgres names table '\(table)', which is not a name or schema.name; correct it and run fs apply"
                )
            }
            from = [name.schema, name.name].compactMap { $0 }.map(quoteIdentifier).joined(separator: ".")
            types = try tableColumnTypes(name, quoted: from, transaction)
        } else {
            var query = source.query ?? ""
            while let last = query.last, last.isWhitespace || last == ";" { query.removeLast() }
            // On lines of their own: a comment ending the query cannot swallow the parenthesis.
            from = "(\n\(query)\n) AS fs_query"
            types = try queryColumnTypes(from: from, transaction)
        }
        let described = try describe(types, transaction)
        var selected: [String] = []
        var problems: [String] = []
        for (field, typeOID) in zip(source.schema, types) {
            guard let type = described[typeOID] else {
                throw FeatureStoreError.storage("PostgreSQL did not describe type \(typeOID) of column '\(field.name)'")
            }
            let column = quoteIdentifier(field.name)
            if let expression = type.kind.expression(column, as: field.type) {
                selected.append("\(expression) AS \(column)")
            } else {
                let accepted = PostgresInPlaceColumnType.accepted(for: field.type)
                problems.append(
                    "column '\(field.name)' is \(type.name) in PostgreSQL, which cannot be read as \(field.type.rawValue) (\(field.type.rawValue) columns may be \(accepted.types)); declare its type in the source's schema, or select it as CAST(\(column) AS \(accepted.cast)) in a query"
                )
            }
        }
        if !problems.isEmpty {
            throw FeatureStoreError.invalidInput(
                "source '\(source.name)' (kind \(source.kind.rawValue), \(what)): \(problems.joined(separator: "; ")).")
        }
        var readable = source
        readable.table = nil
        readable.query = "SELECT \(selected.joined(separator: ", ")) FROM \(from)"
        return readable
    }

    /// What the source reads, for messages.
    private var what: String { source.table.map { "table '\($0)'" } ?? "its query" }

    /// The type OIDs of the schema's columns in the table, in schema order.
    private func tableColumnTypes(_ name: PostgresTableName, quoted: String, _ transaction: PostgresTransaction)
        throws -> [Int64]
    {
        guard try transaction.query("SELECT to_regclass($1) IS NOT NULL", [.text(quoted)]).first?.bool(0) == true
        else {
            let similar = try transaction.query(
                """
                SELECT n.nspname::text, c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE lower(c.relname) = lower($1) AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
                AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2 LIMIT 5
                """, [.text(name.name)]
            ).map { "\(try $0.text(0)).\(try $0.text(1))" }
            let lookup =
                name.schema == nil
                ? " (a name without a schema is looked up in schema '\(storeSchema)', then 'public')" : ""
            let hint = similar.isEmpty ? "" : " Tables of that name in other spellings: \(Suggestion.list(similar))."
            throw FeatureStoreError.notFound(
                "source '\(source.name)' (kind \(source.kind.rawValue)) reads table '\(name)', which does not exist in \(location)\(lookup). Create it, or correct 'table' (each part is spelled as in PostgreSQL: fs quotes it, so case matters).\(hint)"
            )
        }
        let rows = try transaction.query(
            "SELECT attname::text, atttypid::bigint FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            [.text(quoted)])
        var typeOf: [String: Int64] = [:]
        var names: [String] = []
        for row in rows {
            let name = try row.text(0)
            names.append(name)
            typeOf[name] = try row.int64(1)
        }
        let missing = source.schema.map(\.name).filter { typeOf[$0] == nil }
        if let first = missing.first {
            throw FeatureStoreError.notFound(
                "source '\(source.name)' (kind \(source.kind.rawValue)) declares \(missing.count == 1 ? "column" : "columns") \(Suggestion.list(missing)) in its schema, which table '\(name)' does not have.\(Suggestion.didYouMean(first, in: names)) Its columns: \(Suggestion.list(names)). Add them to the table, or correct the schema (names are case-sensitive; field_mapping renames a column for the views)."
            )
        }
        // Privileges are checked when a statement starts, even one that reads no row.
        let columns = source.schema.map { quoteIdentifier($0.name) }.joined(separator: ", ")
        do {
            try transaction.query("SELECT \(columns) FROM \(quoted) LIMIT 0")
        } catch let error as FeatureStoreError where error.code != .unavailable {
            throw FeatureStoreError.invalidArgument(
                "source '\(source.name)' (kind \(source.kind.rawValue)) cannot read table '\(name)': \(error.message). Grant the offline store's user SELECT on it (and USAGE on its schema)."
            )
        }
        return source.schema.map { typeOf[$0.name]! }
    }

    /// The type OIDs of the query's columns named in the schema, in schema order: asked of
    /// PostgreSQL without running the query (`pg_typeof` over no rows, `LIMIT 0`).
    private func queryColumnTypes(from: String, _ transaction: PostgresTransaction) throws -> [Int64] {
        let columns = source.schema.map { quoteIdentifier($0.name) }
        let probe =
            "SELECT \(columns.map { "pg_typeof(s.\($0))::oid::bigint" }.joined(separator: ", ")) FROM (SELECT 1) AS fs_one LEFT JOIN (SELECT \(columns.joined(separator: ", ")) FROM \(from) LIMIT 0) AS s ON true"
        let row: PostgresResultRow?
        do {
            row = try transaction.query(probe).first
        } catch let error as FeatureStoreError where error.code != .unavailable {
            throw FeatureStoreError.invalidArgument(
                "source '\(source.name)' (kind \(source.kind.rawValue)): its query cannot be read with the columns of its schema (\(Suggestion.list(source.schema.map(\.name))), each a column the query yields under that name, case-sensitive): \(error.message)"
            )
        }
        guard let row else { throw FeatureStoreError.storage("PostgreSQL gave no row for the column types of a query") }
        return try (0..<row.count).map { try row.int64($0) }
    }

    /// The name and kind of each type (a domain's kind is its base type's).
    private func describe(_ types: [Int64], _ transaction: PostgresTransaction) throws -> [Int64: (
        name: String, kind: PostgresInPlaceColumnType
    )] {
        guard !types.isEmpty else { return [:] }
        let list = Set(types).sorted().map(String.init).joined(separator: ", ")
        let rows = try transaction.query(
            """
            SELECT t.oid::bigint, format_type(t.oid, NULL), b.oid::bigint, b.typcategory::text
            FROM pg_type t JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
            WHERE t.oid IN (\(list))
            """)
        var described: [Int64: (name: String, kind: PostgresInPlaceColumnType)] = [:]
        for row in rows {
            described[try row.int64(0)] = (
                try row.text(1), PostgresInPlaceColumnType(oid: try row.int64(2), category: try row.text(3))
            )
        }
        return described
    }
}
