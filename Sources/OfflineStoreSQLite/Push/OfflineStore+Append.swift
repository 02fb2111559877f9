import FeatureStoreCore
import SQLite

/// What appending pushed rows did.
public struct AppendResult: Sendable, Equatable {
    /// Rows stored as new events.
    public var inserted: Int
    /// Rows that replaced a stored event with the same `dedupe_on` values and an earlier (or equal)
    /// created time.
    public var replaced: Int
    /// Rows whose event (by `dedupe_on`) was already stored with a later created time.
    public var duplicates: Int
    /// Per row, its event identity (``HistoryTable/eventIdentity(sequence:values:)``): what the
    /// online aggregate state keys the event by.
    public var identities: [Int64]
    /// Per row, its arrival number (the version that wins a tie of created times).
    public var sequences: [Int64]
}

extension OfflineStore {
    /// Appends typed rows to a history table in one transaction: all of them or none.
    ///
    /// Each row holds one value per ``HistoryTable/columnNames`` entry, in that order: the event
    /// time, the created time (`.timestamp`, or `.null` for a source without a created field,
    /// stored as 0), then the value columns. Every row is a new event (two identical rows are two
    /// events) unless the source declares `dedupe_on`: then the rules of ``ingest(file:format:into:options:now:)``
    /// apply, so re-sending such a push is harmless.
    ///
    /// - Throws: `invalidInput` for a row of the wrong width, a null required column or event
    ///   time, or a value of the wrong type (naming the row and column); `conflict` when the table
    ///   does not exist (an apply replaced it while the request ran: nothing was written).
    @discardableResult
    public func append(rows: [[FeatureValue]], to table: HistoryTable) throws -> AppendResult {
        if rows.isEmpty {
            return AppendResult(inserted: 0, replaced: 0, duplicates: 0, identities: [], sequences: [])
        }
        let parsed = try ParsedRows(pushed: rows, table: table)
        let types = table.columnTypes
        return try storage {
            try database.transaction {
                try requireTable(table)
                var inserter = try HistoryInserter(database: database, table: table, types: types)
                let first = try allocateSequence(rows.count)
                for row in 0..<rows.count {
                    try inserter.add(row: row, sequence: first + Int64(row), of: parsed)
                }
                try inserter.finish(parsed)
                return AppendResult(
                    rows: rows, table: table, first: first, inserted: inserter.inserted, replaced: inserter.replaced,
                    duplicates: inserter.duplicates)
            }
        }
    }
}

extension HistoryTable {
    /// The identity of a stored event: for a source with `dedupe_on`, the hash of those values (so
    /// every copy of the event has it); otherwise the row's arrival number (unique).
    ///
    /// - Parameter values: the row in ``columnNames`` order.
    public func eventIdentity(sequence: Int64, values: [FeatureValue]) -> Int64 {
        if source.dedupeOn.isEmpty { return sequence }
        let names = columnNames
        return ContentHash.eventIdentity(dedupeColumns.map { values[names.firstIndex(of: $0)!] })
    }
}

extension AppendResult {
    /// The result of storing `rows` under the arrival numbers from `first` on.
    package init(
        rows: [[FeatureValue]], table: HistoryTable, first: Int64, inserted: Int, replaced: Int, duplicates: Int
    ) {
        let sequences = rows.indices.map { first + Int64($0) }
        self.init(
            inserted: inserted, replaced: replaced, duplicates: duplicates,
            identities: rows.indices.map { table.eventIdentity(sequence: sequences[$0], values: rows[$0]) },
            sequences: sequences)
    }
}

extension ParsedRows {
    /// Pushed rows checked against `table` (see ``OfflineStore/append(rows:to:)`` for the rules).
    package init(pushed rows: [[FeatureValue]], table: HistoryTable) throws {
        let names = table.columnNames
        let types = table.columnTypes
        let required = Set([0] + table.requiredColumns.compactMap { names.firstIndex(of: $0) })
        var parsed = ParsedRows(width: names.count, capacity: rows.count)
        for (number, row) in rows.enumerated() {
            guard row.count == names.count else {
                throw FeatureStoreError.invalidInput(
                    "row \(number + 1) has \(row.count) values but history table of source '\(table.source.name)' has \(names.count) columns (\(names.joined(separator: ", ")))"
                )
            }
            for (column, value) in row.enumerated() {
                if value.isNull {
                    if required.contains(column) {
                        throw FeatureStoreError.invalidInput(
                            "row \(number + 1): '\(names[column])' is null; the event time, the join keys and the dedupe_on columns need a value"
                        )
                    }
                    if column == 1 { parsed.append(0) } else { parsed.appendNull() }
                    continue
                }
                guard value.type == types[column] else {
                    throw FeatureStoreError.invalidInput(
                        "row \(number + 1): '\(names[column])' is \(value.type?.rawValue ?? "null"), expected \(types[column].rawValue)"
                    )
                }
                parsed.append(value)
            }
        }
        self = parsed
    }

    /// Appends a typed value (bytes and text into the arena, numbers as their cells).
    mutating func append(_ value: FeatureValue) {
        switch value {
        case .null: appendNull()
        case .int64(let v): append(v)
        case .float64(let v): append(Int64(bitPattern: v.bitPattern))
        case .bool(let v): append(v ? 1 : 0)
        case .timestamp(let v): append(v.microseconds)
        case .string(let v):
            var copy = v
            copy.withUTF8 { append(bytes: $0) }
        case .bytes(let v):
            v.withUnsafeBufferPointer { append(bytes: $0) }
        }
    }
}
