import FeatureStoreCore
import OfflineStoreSQLite
import PostgresClient
import SQLite

extension HistoryWriter {
    /// Rows of a source with `dedupe_on`, with the SQLite store's rules (`HistoryInserter`), taken
    /// in input order: a row whose dedupe values no stored event has is inserted; else it replaces
    /// the stored version unless that one has a later created time (on equal created times the
    /// later arrival wins), under its own arrival number; else it is a duplicate. A replaced
    /// version whose event time is later than its replacement's, or whose required columns (the
    /// entity) differ, goes into the table of replaced versions with `__replaced_by` set to the
    /// replacement's arrival number. Rows whose dedupe values hold a NULL or NaN (stored as NULL,
    /// which no unique index matches) are each an event of their own.
    ///
    /// The rules run in memory over the stored versions of the input's events, fetched first;
    /// then the replaced versions are recorded, the replaced stored rows deleted and the winning
    /// rows inserted, a few statements in all (the table ends as the SQLite store's does, row by
    /// row and arrival number by arrival number).
    static func storeDeduplicated(
        _ rows: ParsedRows, table: HistoryTable, firstSequence: Int64, _ transaction: PostgresTransaction,
        progress: (Int) -> Void
    ) throws -> Outcome {
        let names = table.columnNames
        let types = table.columnTypes
        let dedupe = table.dedupeColumns.map { names.firstIndex(of: $0)! }
        let required = table.requiredColumns.compactMap { names.firstIndex(of: $0) }
        // The event of each row (nil: NULL or NaN in a dedupe value), numbered by first appearance.
        var events: [[StoredCell]: Int] = [:]
        var eventOfRow = [Int?](repeating: nil, count: rows.count)
        var firstRows: [Int32] = []
        for row in 0..<rows.count {
            var key: [StoredCell] = []
            key.reserveCapacity(dedupe.count)
            for column in dedupe {
                guard let cell = StoredCell(rows, row: row, column: column, type: types[column]) else { break }
                key.append(cell)
            }
            guard key.count == dedupe.count else { continue }
            if let event = events[key] {
                eventOfRow[row] = event
            } else {
                eventOfRow[row] = firstRows.count
                events[key] = firstRows.count
                firstRows.append(Int32(row))
            }
        }
        var current = try storedVersions(
            of: firstRows, rows: rows, events: events, table: table, dedupe: dedupe, required: required, transaction)
        let stored = current

        var outcome = Outcome()
        var inserted: [Int32] = []
        var replacedStored: [(sequence: Int64, by: Int64)] = []
        var replacedRows: [(row: Int32, by: Int64)] = []
        for row in 0..<rows.count {
            if row > 0 { progress(row) }
            let sequence = firstSequence + Int64(row)
            guard let event = eventOfRow[row] else {
                outcome.inserted += 1
                inserted.append(Int32(row))
                continue
            }
            let version = Version(row: row, of: rows, sequence: sequence, required: required, types: types)
            guard let previous = current[event] else {
                outcome.inserted += 1
                current[event] = version
                continue
            }
            guard previous.created <= version.created else {
                outcome.duplicates += 1
                continue
            }
            outcome.replaced += 1
            if previous.event > version.event || previous.required != version.required {
                if let previousRow = previous.row {
                    replacedRows.append((Int32(previousRow), sequence))
                } else {
                    replacedStored.append((previous.sequence, sequence))
                }
            }
            current[event] = version
        }
        var deleted: [Int64] = []
        for (event, version) in current {
            guard let row = version.row else { continue }
            inserted.append(Int32(row))
            if let replaced = stored[event] { deleted.append(replaced.sequence) }
        }

        // The replaced stored versions are copied before they are deleted.
        let columns = (names + [HistoryTable.sequenceColumn]).map(quoteIdentifier)
        try forChunks(of: replacedStored, transaction) { chunk in
            var replaced = PostgresArray(.bigint, capacity: chunk.count)
            var by = PostgresArray(.bigint, capacity: chunk.count)
            for entry in chunk {
                replaced.append(entry.sequence)
                by.append(entry.by)
            }
            return (
                "INSERT INTO \(quoteIdentifier(table.replacedName)) (\(HistoryTable.replacedByColumn), \(columns.joined(separator: ", "))) SELECT r.replaced_by, \(columns.map { "h.\($0)" }.joined(separator: ", ")) FROM \(quoteIdentifier(table.name)) AS h JOIN unnest($1::bigint[], $2::bigint[]) AS r(seq, replaced_by) ON h.\(HistoryTable.sequenceColumn) = r.seq",
                [.array(replaced), .array(by)]
            )
        }
        try forChunks(of: deleted, transaction) { chunk in
            var sequences = PostgresArray(.bigint, capacity: chunk.count)
            for sequence in chunk { sequences.append(sequence) }
            return (
                "DELETE FROM \(quoteIdentifier(table.name)) WHERE \(HistoryTable.sequenceColumn) = ANY($1::bigint[])",
                [.array(sequences)]
            )
        }
        // The winners in event-time order (near-appends to the clustering key), file order among ties.
        inserted.sort { (rows.cells[Int($0) * rows.width], $0) < (rows.cells[Int($1) * rows.width], $1) }
        try ColumnInserter(table: table.name, columns: names, types: types).insert(
            rows, selection: inserted, sequences: inserted.map { firstSequence + Int64($0) }, transaction)
        try ColumnInserter(
            table: table.replacedName, columns: names, types: types, leadingColumn: HistoryTable.replacedByColumn
        ).insert(
            rows, selection: replacedRows.map(\.row), sequences: replacedRows.map { firstSequence + Int64($0.row) },
            leading: replacedRows.map(\.by), transaction)
        return outcome
    }

    /// A version of an event: a stored row (`row` nil) or a row of the input.
    struct Version {
        var row: Int?
        var sequence: Int64
        var event: Int64
        var created: Int64
        /// The required columns' values (NULL and NaN alike as nil, as SQLite's `IS` compares them).
        var required: [StoredCell?]

        init(row: Int, of rows: ParsedRows, sequence: Int64, required columns: [Int], types: [ValueType]) {
            self.row = row
            self.sequence = sequence
            event = rows.cells[row * rows.width]
            created = rows.cells[row * rows.width + 1]
            required = columns.map { StoredCell(rows, row: row, column: $0, type: types[$0]) }
        }

        init(sequence: Int64, event: Int64, created: Int64, required: [StoredCell?]) {
            self.sequence = sequence
            self.event = event
            self.created = created
            self.required = required
        }
    }

    /// Keys of this many events per statement when looking up stored versions.
    static let eventsPerStatement = 20_000

    /// The stored version of each event (by number) whose first row is in `firstRows`.
    private static func storedVersions(
        of firstRows: [Int32], rows: ParsedRows, events: [[StoredCell]: Int], table: HistoryTable, dedupe: [Int],
        required: [Int], _ transaction: PostgresTransaction
    ) throws -> [Int: Version] {
        let names = table.columnNames
        let types = table.columnTypes
        let selected =
            [HistoryTable.sequenceColumn, HistoryTable.eventColumn, HistoryTable.createdColumn]
            + (required + dedupe).map { names[$0] }
        let keys = dedupe.indices.map { "k\($0)" }
        let match = zip(dedupe, keys).map { "h.\(quoteIdentifier(names[$0])) = k.\($1)" }
        let arrays = dedupe.enumerated().map { "$\($0 + 1)::\(types[$1].arrayElement.rawValue)[]" }
        let sql =
            "SELECT \(selected.map { "h.\(quoteIdentifier($0))" }.joined(separator: ", ")) FROM \(quoteIdentifier(table.name)) AS h JOIN unnest(\(arrays.joined(separator: ", "))) AS k(\(keys.joined(separator: ", "))) ON \(match.joined(separator: " AND "))"
        var versions: [Int: Version] = [:]
        var pending: [PendingRows] = []
        defer { for statement in pending { _ = try? statement.wait() } }
        func take(_ result: [PostgresResultRow]) throws {
            for row in result {
                let cells = try (0..<row.count).map { try row.value($0) }
                let key = cells[(3 + required.count)...].map(StoredCell.init)
                guard key.allSatisfy({ $0 != nil }), let event = events[key.map { $0! }],
                    case .integer(let sequence) = cells[0], case .integer(let time) = cells[1],
                    case .integer(let created) = cells[2]
                else {
                    throw FeatureStoreError.storage(
                        "history table \(table.name) returned a row that matches none of the looked-up events (or lacks its times); was it written by another program?"
                    )
                }
                versions[event] = Version(
                    sequence: sequence, event: time, created: created,
                    required: cells[3..<(3 + required.count)].map(StoredCell.init))
            }
        }
        var start = 0
        while start < firstRows.count {
            let end = min(start + eventsPerStatement, firstRows.count)
            var columns = dedupe.map { PostgresArray(types[$0].arrayElement, capacity: end - start) }
            var bytes = 0
            for row in firstRows[start..<end] {
                for (index, column) in dedupe.enumerated() {
                    ColumnInserter.append(
                        rows, cell: Int(row) * rows.width + column, type: types[column], to: &columns[index],
                        bytes: &bytes)
                }
            }
            pending.append(transaction.send(sql, columns.map(PostgresValue.array)))
            if pending.count >= ColumnInserter.inFlight { try take(pending.removeFirst().wait()) }
            start = end
        }
        while !pending.isEmpty { try take(pending.removeFirst().wait()) }
        return versions
    }

    /// Runs the statement `make` builds for each chunk of `items`, one after the other.
    private static func forChunks<Item>(
        of items: [Item], _ transaction: PostgresTransaction, _ make: (ArraySlice<Item>) -> (String, [PostgresValue])
    ) throws {
        var start = 0
        while start < items.count {
            let end = min(start + ColumnInserter.rowsPerStatement, items.count)
            let (sql, values) = make(items[start..<end])
            try transaction.query(sql, values)
            start = end
        }
    }
}

/// A stored value as SQLite compares it in a unique index or with `IS`: integers (booleans and
/// timestamps too), reals (-0 equal to 0), text and bytes by their bytes. NULL and NaN (which
/// both stores keep as NULL) have none: `nil`.
enum StoredCell: Hashable {
    case integer(Int64)
    case real(Double)
    case bytes([UInt8])

    init?(_ rows: ParsedRows, row: Int, column: Int, type: ValueType) {
        let index = row * rows.width + column
        if rows.nulls[index] { return nil }
        let cell = rows.cells[index]
        switch type {
        case .int64, .bool, .timestamp:
            self = .integer(cell)
        case .float64:
            let value = Double(bitPattern: UInt64(bitPattern: cell))
            if value.isNaN { return nil }
            self = .real(value)
        case .string, .bytes:
            self = .bytes(rows.withBytes(cell) { Array($0) })
        }
    }

    init?(_ value: PostgresCellValue) {
        switch value {
        case .null: return nil
        case .integer(let number): self = .integer(number)
        case .real(let number):
            if number.isNaN { return nil }
            self = .real(number)
        case .text(let text): self = .bytes(Array(text.utf8))
        case .blob(let bytes): self = .bytes(bytes)
        }
    }
}
