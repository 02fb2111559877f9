import FeatureStoreCore
import OfflineStoreSQLite
import PostgresClient
import SQLite

extension PostgresOfflineStore {
    /// Creates the history tables of `tables` that do not exist yet and brings existing ones up to
    /// their source's definition, in one transaction (see ``OfflineStore/prepare(_:)``): new
    /// columns are added in place, the unique index on the `dedupe_on` columns follows the source,
    /// and a source with `dedupe_on` gets its table of replaced versions. Safe to run again.
    @discardableResult
    public func prepare(_ tables: [HistoryTable]) throws -> OfflineStore.PrepareReport {
        for table in tables { try PostgresIdentifier.requireFits(table) }
        return try write { transaction in
            var report = OfflineStore.PrepareReport()
            let existing = try tableNames(transaction)
            for table in tables {
                if existing.contains(table.name) {
                    let missing = try addMissingColumns(of: table, to: table.name, transaction)
                    if !missing.isEmpty { report.addedColumns[table.source.name] = missing }
                } else {
                    let columns =
                        [
                            "\(HistoryTable.eventColumn) BIGINT NOT NULL",
                            "\(HistoryTable.sequenceColumn) BIGINT NOT NULL",
                            "\(HistoryTable.createdColumn) BIGINT NOT NULL",
                        ] + table.valueColumns.map(\.postgresDeclaration)
                    try transaction.query(
                        "CREATE TABLE \(qualified(table.name)) (\(columns.joined(separator: ", ")), PRIMARY KEY (\(HistoryTable.eventColumn), \(HistoryTable.sequenceColumn)))"
                    )
                    try transaction.query(
                        "CREATE UNIQUE INDEX \(quoteIdentifier(table.sequenceIndexName)) ON \(qualified(table.name)) (\(HistoryTable.sequenceColumn))"
                    )
                }
                if table.source.dedupeOn.isEmpty {
                    try transaction.query("DROP INDEX IF EXISTS \(qualified(table.dedupeIndexName))")
                } else {
                    let columns = table.dedupeColumns.map(quoteIdentifier).joined(separator: ", ")
                    try transaction.query(
                        "CREATE UNIQUE INDEX IF NOT EXISTS \(quoteIdentifier(table.dedupeIndexName)) ON \(qualified(table.name)) (\(columns))"
                    )
                }
                if table.keepsReplacedVersions {
                    if existing.contains(table.replacedName) {
                        try addMissingColumns(of: table, to: table.replacedName, transaction)
                    } else {
                        let columns =
                            [
                                "\(HistoryTable.replacedByColumn) BIGINT PRIMARY KEY",
                                "\(HistoryTable.eventColumn) BIGINT NOT NULL",
                                "\(HistoryTable.sequenceColumn) BIGINT NOT NULL",
                                "\(HistoryTable.createdColumn) BIGINT NOT NULL",
                            ] + table.valueColumns.map(\.postgresDeclaration)
                        try transaction.query(
                            "CREATE TABLE \(qualified(table.replacedName)) (\(columns.joined(separator: ", ")))")
                    }
                }
            }
            return report
        }
    }

    /// Adds the value columns of `table` missing from `name` (the history table or its replaced
    /// versions) in place; older rows read them as null.
    ///
    /// - Returns: the added columns.
    @discardableResult
    private func addMissingColumns(of table: HistoryTable, to name: String, _ transaction: PostgresTransaction)
        throws -> [String]
    {
        let present = Set(
            try transaction.query(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2",
                [.text(settings.schema), .text(name)]
            ).map { try $0.text(0) })
        let missing = table.valueColumns.filter { !present.contains($0.name) }
        for column in missing {
            try transaction.query("ALTER TABLE \(qualified(name)) ADD COLUMN \(column.postgresDeclaration)")
        }
        return missing.map(\.name)
    }

    /// Drops every history table (a name of fs's, ``HistoryTable/isHistoryName(_:)``) whose name is not in `keep`, with its table of replaced versions.
    public func dropHistoryTables(except keep: Set<String>) throws {
        try write { transaction in
            for name in try tableNames(transaction)
            where HistoryTable.isHistoryName(name) && !keep.contains(HistoryTable.historyName(ofReplaced: name) ?? name)
            {
                try transaction.query("DROP TABLE IF EXISTS \(qualified(name))")
            }
        }
    }

    /// How many rows a history table holds (0 when it does not exist).
    public func rowCount(_ table: HistoryTable) throws -> Int64 {
        try read { reader in
            guard try tableExists(table.name, reader.transaction) else { return 0 }
            return try reader.transaction.scalarInt("SELECT COUNT(*) FROM \(qualified(table.name))") ?? 0
        }
    }

    /// The newest event time stored in a history table (`nil` when empty or missing).
    public func newestEventTime(of table: HistoryTable) throws -> Timestamp? {
        try read { reader in
            guard try tableExists(table.name, reader.transaction) else { return nil }
            return try reader.transaction.scalarInt(
                "SELECT MAX(\(HistoryTable.eventColumn)) FROM \(qualified(table.name))"
            ).map { Timestamp(microseconds: $0) }
        }
    }

    /// The highest arrival number handed out so far (0 when none).
    public func lastSequence() throws -> Int64 {
        (try session.query("SELECT value FROM \(schema).offline_meta WHERE key = 'next_sequence'").first?.int64(0)
            ?? 1) - 1
    }

    /// Reserves `count` arrival numbers and returns the first. The counter row stays locked until
    /// the transaction ends, so numbers are taken in commit order.
    func allocateSequence(_ count: Int, _ transaction: PostgresTransaction) throws -> Int64 {
        guard
            let next = try transaction.scalarInt(
                "UPDATE \(schema).offline_meta SET value = value + $1 WHERE key = 'next_sequence' RETURNING value - $1",
                [.integer(Int64(count))])
        else {
            throw FeatureStoreError.storage(
                "the offline store at \(location) has no arrival counter (offline_meta.next_sequence); was the schema created by another program?"
            )
        }
        return next
    }

    /// Fails when `table` does not exist (inside the writing transaction; the SQLite store's message).
    func requireTable(_ table: HistoryTable, _ transaction: PostgresTransaction) throws {
        guard try tableExists(table.name, transaction) else {
            throw FeatureStoreError(
                .conflict,
                "source '\(table.source.name)' has no offline history table for generation \(table.generation): the definitions changed (fs apply) while this write was prepared, or fs apply has not run yet; nothing was written, retry"
            )
        }
    }
}

extension Field {
    /// `"name" TYPE`, as a history table declares the column.
    var postgresDeclaration: String { "\(quoteIdentifier(name)) \(type.postgresType)" }
}

extension ValueType {
    /// The PostgreSQL column type values of this type are stored as (SQLite's storage classes).
    var postgresType: String {
        switch self {
        case .int64, .bool, .timestamp: "BIGINT"
        case .float64: "DOUBLE PRECISION"
        case .string: "TEXT"
        case .bytes: "BYTEA"
        }
    }
}
