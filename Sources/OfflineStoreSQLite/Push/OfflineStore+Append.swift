import FeatureStoreCore
import SQLite

extension OfflineStore {
    /// Appends typed rows to a history table in one transaction: all of them or none.
    ///
    /// Each row holds one value per ``HistoryTable/columnNames`` entry, in that order: the key
    /// columns, the event time and the created time (`.timestamp`, or `.null` for a source without
    /// a created field, stored as 0), then the value columns. Rows already stored (same key, event
    /// and created time) are kept as they are (`INSERT OR IGNORE`), so re-sending a push is harmless.
    ///
    /// - Returns: how many rows were new.
    /// - Throws: `invalidInput` for a row of the wrong width, a null key or event time, or a value
    ///   of the wrong type (naming the row and column); `notFound` when the table does not exist.
    @discardableResult
    public func append(rows: [[FeatureValue]], to table: HistoryTable) throws -> Int {
        if rows.isEmpty { return 0 }
        let names = table.columnNames
        let types =
            table.keyColumns.map(\.type) + [ValueType.timestamp, ValueType.timestamp] + table.valueColumns.map(\.type)
        let required = table.keyColumns.count + 1
        for (number, row) in rows.enumerated() {
            guard row.count == names.count else {
                throw FeatureStoreError.invalidInput(
                    "row \(number + 1) has \(row.count) values but history table of source '\(table.source.name)' has \(names.count) columns (\(names.joined(separator: ", ")))"
                )
            }
            for (column, value) in row.enumerated() {
                if value.isNull {
                    if column < required {
                        throw FeatureStoreError.invalidInput(
                            "row \(number + 1): '\(names[column])' is null; key columns and the event time need a value"
                        )
                    }
                    continue
                }
                guard value.type == types[column] else {
                    throw FeatureStoreError.invalidInput(
                        "row \(number + 1): '\(names[column])' is \(value.type?.rawValue ?? "null"), expected \(types[column].rawValue)"
                    )
                }
            }
        }
        return try storage {
            guard try database.tableExists(table.name) else {
                throw FeatureStoreError.notFound(
                    "source '\(table.source.name)' has no history table yet; run fs apply first")
            }
            let list = names.map(quoteIdentifier).joined(separator: ", ")
            let marks = Array(repeating: "?", count: names.count).joined(separator: ", ")
            let insert = try database.prepare(
                "INSERT OR IGNORE INTO \(quoteIdentifier(table.name)) (\(list)) VALUES (\(marks))")
            let createdColumn = table.keyColumns.count + 1
            return try database.transaction {
                var inserted = 0
                for row in rows {
                    for (column, value) in row.enumerated() {
                        let bound =
                            column == createdColumn && value.isNull ? SQLiteValue.integer(0) : value.pushSQLiteValue
                        try insert.bind(bound, at: Int32(column + 1))
                    }
                    inserted += try insert.executeBound()
                }
                return inserted
            }
        }
    }
}

extension FeatureValue {
    /// The value as stored in a history table (booleans as 0/1, timestamps as microseconds).
    fileprivate var pushSQLiteValue: SQLiteValue {
        switch self {
        case .null: .null
        case .int64(let v): .integer(v)
        case .float64(let v): .real(v)
        case .string(let v): .text(v)
        case .bool(let v): .integer(v ? 1 : 0)
        case .bytes(let v): .blob(v)
        case .timestamp(let v): .integer(v.microseconds)
        }
    }
}
