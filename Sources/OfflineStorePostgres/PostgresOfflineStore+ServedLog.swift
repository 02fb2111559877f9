import FeatureProfiles
import FeatureStoreCore
import OfflineStoreSQLite
import PostgresClient
import SQLite

/// The served-vector logs in the store's schema, as the SQLite store keeps them (see
/// ``ServedLogLayout``): one table `served_log_<service>` per feature service, created on its first
/// write, columns its layout gains later added in place; `__log_seq` (an identity column) numbers
/// the rows in the order they were written. Column types are the history tables' (times and bools
/// as BIGINT); values are stored as SQLite stores them (a NaN as NULL, -0.0 as 0.0), so both stores
/// read back, profile and compare the same values.
extension PostgresOfflineStore {
    /// Rows per INSERT statement.
    static let servedLogRowsPerStatement = 5_000

    /// Writes a batch of served-vector log rows, possibly of several services, in one transaction:
    /// all of them or none (see ``OfflineStore/writeServedLog(_:)``). The same transaction merges
    /// the rows' served profiles, so the log and its profiles never disagree.
    ///
    /// - Throws: `invalidInput` for a row whose width does not fit its layout, or a value whose type
    ///   its column cannot hold; `invalidArgument` for a name PostgreSQL would cut; `storage` or
    ///   `unavailable` when PostgreSQL fails. Nothing is written then.
    public func writeServedLog(_ batch: [(layout: ServedLogLayout, rows: [ServedLogRow])]) throws {
        try ServedLogReading.checkWidths(batch)
        for (layout, rows) in batch where !rows.isEmpty { try PostgresIdentifier.requireFits(servedLog: layout) }
        // Services in name order: two writers of the same services take their locks in one order.
        let ordered = batch.enumerated().filter { !$0.element.rows.isEmpty }.sorted {
            ($0.element.layout.service, $0.offset) < ($1.element.layout.service, $1.offset)
        }.map(\.element)
        if ordered.isEmpty { return }
        try write { transaction in
            for (layout, rows) in ordered {
                let columns = Self.servedLogColumns(of: layout)
                try prepareServedLog(layout, columns: columns, transaction)
                try insertServedLogRows(rows, layout: layout, columns: columns, transaction)
                try mergeServedProfiles(of: layout, rows: rows, transaction)
            }
        }
    }

    /// The logged rows of `layout`'s service in arrival order, read under `layout` (a column the
    /// table lacks reads as null), optionally only those logged in `[from, to)` (see
    /// ``OfflineStore/servedLogRows(_:from:to:)``).
    ///
    /// - Throws: `invalidInput` for a stored value that does not fit the layout's type.
    public func servedLogRows(_ layout: ServedLogLayout, from: Timestamp?, to: Timestamp?) throws
        -> [ServedLogRow]
    {
        try PostgresIdentifier.requireFits(servedLog: layout)
        return try read { reader in
            let present = try servedLogColumnNames(layout.tableName, reader.transaction)
            guard !present.isEmpty else { return [] }
            let selected = layout.columnNames.map { present.contains($0) ? quoteIdentifier($0) : "NULL" }
            let sql =
                "SELECT \(selected.joined(separator: ", ")) FROM \(qualified(layout.tableName)) WHERE \(ServedLogLayout.logTimestampColumn) >= $1 AND \(ServedLogLayout.logTimestampColumn) < $2 ORDER BY \(ServedLogLayout.sequenceColumn)"
            var cursor = try reader.cursor(sql, [from?.microseconds ?? Int64.min, to?.microseconds ?? Int64.max])
            var rows: [ServedLogRow] = []
            while try cursor.step() { rows.append(try ServedLogReading.row(cursor, layout: layout)) }
            return rows
        }
    }

    /// One column of a log table: its name, declaration and the array its values are bound as.
    struct ServedLogColumn {
        var name: String
        var declaration: String
        var element: PostgresArray.Element
    }

    /// The columns of `layout`'s table, in ``ServedLogLayout/columnNames`` order.
    static func servedLogColumns(of layout: ServedLogLayout) -> [ServedLogColumn] {
        var columns = layout.keys.map {
            ServedLogColumn(name: $0.name, declaration: $0.type.postgresType, element: $0.type.arrayElement)
        }
        for feature in layout.features {
            columns.append(
                ServedLogColumn(
                    name: feature.column, declaration: feature.type.postgresType, element: feature.type.arrayElement))
            columns.append(ServedLogColumn(name: feature.timestampColumn, declaration: "BIGINT", element: .bigint))
            columns.append(ServedLogColumn(name: feature.statusColumn, declaration: "TEXT", element: .text))
        }
        columns.append(
            ServedLogColumn(
                name: ServedLogLayout.logTimestampColumn, declaration: "BIGINT NOT NULL DEFAULT 0", element: .bigint))
        columns.append(
            ServedLogColumn(
                name: ServedLogLayout.requestIDColumn, declaration: "TEXT NOT NULL DEFAULT ''", element: .text))
        columns.append(
            ServedLogColumn(
                name: ServedLogLayout.serviceVersionColumn, declaration: "BIGINT NOT NULL DEFAULT 0", element: .bigint))
        return columns
    }

    /// The columns of log table `table` (empty when it does not exist).
    func servedLogColumnNames(_ table: String, _ transaction: PostgresTransaction) throws -> Set<String> {
        Set(
            try transaction.query(
                "SELECT column_name::text FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2",
                [.text(settings.schema), .text(table)]
            ).map { try $0.text(0) })
    }

    /// Creates the log table of `layout` or adds the columns it lacks (inside the writing
    /// transaction). Only a change takes the table's advisory lock (held to the commit), so
    /// writers on several machines never race to create or alter it.
    private func prepareServedLog(
        _ layout: ServedLogLayout, columns: [ServedLogColumn], _ transaction: PostgresTransaction
    ) throws {
        var present = try servedLogColumnNames(layout.tableName, transaction)
        if !present.isEmpty, columns.allSatisfy({ present.contains($0.name) }) { return }
        try transaction.query(
            "SELECT pg_advisory_xact_lock(hashtext($1))",
            [.text("fs-served-log:\(settings.schema).\(layout.tableName)")])
        present = try servedLogColumnNames(layout.tableName, transaction)
        let table = qualified(layout.tableName)
        if present.isEmpty {
            let declared = columns.map { "\(quoteIdentifier($0.name)) \($0.declaration)" }
            try transaction.query(
                "CREATE TABLE \(table) (\(ServedLogLayout.sequenceColumn) BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, \(declared.joined(separator: ", ")))"
            )
            let indexes = PostgresIdentifier.servedLogIndexNames(of: layout.tableName)
            try transaction.query(
                "CREATE INDEX \(quoteIdentifier(indexes.logTime)) ON \(table) (\(ServedLogLayout.logTimestampColumn))")
            try transaction.query(
                "CREATE INDEX \(quoteIdentifier(indexes.requestID)) ON \(table) (\(ServedLogLayout.requestIDColumn))")
        } else {
            for column in columns where !present.contains(column.name) {
                try transaction.query(
                    "ALTER TABLE \(table) ADD COLUMN \(quoteIdentifier(column.name)) \(column.declaration)")
            }
        }
    }

    /// Inserts `rows` by `INSERT ... SELECT FROM unnest(...)`, one binary array per column, in row
    /// order (so `__log_seq` numbers them in the order given).
    private func insertServedLogRows(
        _ rows: [ServedLogRow], layout: ServedLogLayout, columns: [ServedLogColumn], _ transaction: PostgresTransaction
    ) throws {
        let aliases = columns.indices.map { "c\($0)" }
        let parameters = columns.enumerated().map { "$\($0 + 1)::\($1.element.rawValue)[]" }
        let sql =
            "INSERT INTO \(qualified(layout.tableName)) (\(columns.map { quoteIdentifier($0.name) }.joined(separator: ", "))) SELECT \(aliases.joined(separator: ", ")) FROM unnest(\(parameters.joined(separator: ", "))) WITH ORDINALITY AS u(\(aliases.joined(separator: ", ")), n) ORDER BY n"
        var start = 0
        while start < rows.count {
            let chunk = rows[start..<min(rows.count, start + Self.servedLogRowsPerStatement)]
            var arrays = columns.map { PostgresArray($0.element, capacity: chunk.count) }
            for row in chunk {
                var index = 0
                func add(_ value: FeatureValue) throws {
                    try Self.append(value, to: &arrays[index], column: columns[index].name, service: layout.service)
                    index += 1
                }
                for key in row.keys { try add(key) }
                for value in row.values {
                    try add(value.value)
                    try add(value.eventTime.map { .int64($0.microseconds) } ?? .null)
                    try add(.string(value.status.rawValue))
                }
                try add(.int64(row.logTimestamp.microseconds))
                try add(.string(row.requestID))
                try add(.int64(row.serviceVersion))
            }
            try transaction.query(sql, arrays.map(PostgresValue.array))
            start += chunk.count
        }
    }

    /// Appends `value` to a column's array as SQLite would store it in a column of that type: a
    /// NaN as NULL, -0.0 as 0.0, bools and times as integers, an integer in a float64 column as
    /// its double.
    ///
    /// - Throws: `invalidInput` for a value the column's type cannot hold (nothing is converted
    ///   silently).
    static func append(_ value: FeatureValue, to array: inout PostgresArray, column: String, service: String) throws {
        switch (value.asStoredInSQLite, array.element) {
        case (.null, _): array.appendNull()
        case (.int64(let number), .bigint): array.append(number)
        case (.bool(let flag), .bigint): array.append(flag ? Int64(1) : 0)
        case (.timestamp(let time), .bigint): array.append(time.microseconds)
        case (.float64(let number), .doublePrecision): array.append(number)
        case (.int64(let number), .doublePrecision): array.append(Double(number))
        case (.string(var text), .text): text.withUTF8 { array.append(bytes: UnsafeRawBufferPointer($0)) }
        case (.bytes(let bytes), .bytea): bytes.withUnsafeBytes { array.append(bytes: $0) }
        default:
            throw FeatureStoreError.invalidInput(
                "a served log row of feature service '\(service)' has \(value.type?.rawValue ?? "null") value \(Quote.value(value.text)) in column '\(column)', whose PostgreSQL type (\(array.element.rawValue)) cannot hold it"
            )
        }
    }

    /// Merges the served profiles of `rows` into the service's hourly buckets, then merges hourly
    /// buckets older than the hourly retention before the batch's latest log time into days (as
    /// the SQLite store does, in the writing transaction).
    private func mergeServedProfiles(
        of layout: ServedLogLayout, rows: [ServedLogRow], _ transaction: PostgresTransaction
    ) throws {
        try createProfileTables(transaction)
        let source = ProfileSource.served(service: layout.service)
        try mergeStoredProfiles(OfflineStore.servedProfiles(of: layout, rows: rows).profiles, into: source, transaction)
        let latest = rows.map(\.logTimestamp).max() ?? Timestamp(microseconds: 0)
        try rollUpProfiles(source, now: latest, transaction)
    }
}
