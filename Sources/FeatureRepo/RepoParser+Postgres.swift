import FeatureStoreCore

extension RepoParser {
    /// Checks the fields of a `postgres` source: exactly one of `table` (`name` or `schema.name`)
    /// and `query`; no `path` or `dedupe_on`, which a table read in place has no use for.
    func checkPostgresFields(
        _ reader: MappingReader, source name: String, table: (value: String, position: Position)?,
        query: (value: String, position: Position)?
    ) {
        if (table == nil) == (query == nil) {
            reader.error(
                reader.position,
                "source '\(name)' of kind postgres needs exactly one of 'table' (an existing table or view in the PostgreSQL offline store's database, as name or schema.name) or 'query' (a SELECT)"
            )
        }
        if let table, PostgresTableName(table.value) == nil {
            reader.error(
                table.position,
                "table '\(table.value)' of source '\(name)' must be a table name or schema.name, each part at most \(PostgresTableName.maxPartBytes) bytes, spelled as in PostgreSQL (fs quotes it, so case matters); for anything else write a 'query'"
            )
        }
        if let query, query.value.allSatisfy(\.isWhitespace) {
            reader.error(query.position, "query of source '\(name)' is empty; write the SELECT that yields its rows")
        }
        let unused = [
            ("path", "a file: its rows are read in place"),
            (
                "dedupe_on",
                "dedupe columns: every row read in place is its own event (write a query that keeps one row per event)"
            ),
        ]
        for (key, what) in unused where reader.has(key) {
            reader.error(
                reader.position(of: key),
                "source '\(name)' of kind postgres takes no '\(key)': it has no \(what); remove '\(key)'")
        }
    }
}
