import FeatureStoreCore
import SQLite

/// One view's source rows in memory, grouped by entity key and ordered by (event time, created
/// time) within each group: what a point-in-time lookup binary-searches.
///
/// Only the event times are reordered; the values stay in read order, reached through ``rowOf``
/// (moving every value would cost more than the lookups that use a few of them).
struct HistoryRows {
    /// Each entity's rows: a range of positions in ``events`` and ``rowOf``.
    var groups: [EntityKey: Range<Int>]
    /// Event times in group order.
    var events: [Int64]
    /// For each position in group order, the row's index in ``values``.
    var rowOf: [Int32] = []
    /// Per requested feature, one value per row, in read order.
    var values: [[FeatureValue]]
    /// Each row's created time (0 when the source has none), in read order.
    var created: [Int64] = []

    /// Loads the rows of `view`'s source with the columns it needs.
    static func load<Reader: HistoryReader>(_ view: TrainingSetView, reader: Reader) throws -> HistoryRows {
        let builder = EntityKeyBuilder(types: view.joinKeys.map(\.valueType))
        let keyCount = Int32(view.joinKeys.count)
        let sql: String
        var timestampFormat: TimestampFormat?
        switch view.history {
        case .table(let table):
            let keys = view.joinKeys.map { quoteIdentifier($0.name) }
            let selected =
                (keys + [HistoryTable.eventColumn, HistoryTable.createdColumn]
                    + view.features.map { quoteIdentifier($0.name) })
            // The clustering order: event time, then arrival (so among full ties the later arrival
            // comes last and wins, as in materialization).
            sql =
                "SELECT \(selected.joined(separator: ", ")) FROM \(quoteIdentifier(table.name)) ORDER BY \(HistoryTable.eventColumn), \(HistoryTable.sequenceColumn)"
        case .inPlace(let source):
            func raw(_ mapped: String) -> String {
                quoteIdentifier(source.schema.first { source.mappedName($0.name) == mapped }?.name ?? mapped)
            }
            let created = source.createdTimestampField.map(raw) ?? "0"
            let selected =
                view.joinKeys.map { raw($0.name) } + [raw(source.timestampField), created]
                + view.features.map { raw($0.name) }
            let from = source.query.map { "(\($0)) AS fs_source" } ?? quoteIdentifier(source.table ?? source.name)
            sql = "SELECT \(selected.joined(separator: ", ")) FROM \(from)"
            timestampFormat = source.timestampFormat
        }
        var statement = try reader.cursor(sql, [])
        var rows = HistoryRows(groups: [:], events: [], values: Array(repeating: [], count: view.features.count))
        var created: [Int64] = []
        var groupOfRow: [Int32] = []
        var keys: [EntityKey] = []
        if case .table(let table) = view.history {
            // Growing the arrays by doubling copies them and faults in fresh pages: size them once.
            let count = try reader.rowCount(of: table)
            rows.events.reserveCapacity(count)
            created.reserveCapacity(count)
            groupOfRow.reserveCapacity(count)
            for index in rows.values.indices { rows.values[index].reserveCapacity(count) }
        }
        var ids: [EntityKey: Int32] = [:]
        var previous: EntityKey?
        var group: Int32 = -1
        let types = view.features.map(\.type)
        let origin = SourceOrigin(view: view.view.name, history: view.history)
        while try statement.step() {
            guard let key = try builder.key(from: statement, first: 0, origin: origin) else { continue }
            let event: Int64
            let createdTime: Int64
            if let timestampFormat {
                guard let time = try readTime(statement, keyCount, timestampFormat, view) else {
                    if let error = origin.missing(statement, keyCount, "event timestamp") { throw error }
                    continue
                }
                event = time
                if let time = try readTime(statement, keyCount + 1, timestampFormat, view) {
                    createdTime = time
                } else {
                    if let error = origin.missing(statement, keyCount + 1, "created timestamp") { throw error }
                    createdTime = 0
                }
            } else {
                event = statement.int64(keyCount)
                createdTime = statement.int64(keyCount + 1)
            }
            if key != previous {
                if let id = ids[key] {
                    group = id
                } else {
                    group = Int32(keys.count)
                    ids[key] = group
                    keys.append(key)
                }
                previous = key
            }
            groupOfRow.append(group)
            rows.events.append(event)
            created.append(createdTime)
            for (index, type) in types.enumerated() {
                rows.values[index].append(
                    try readValue(statement, keyCount + 2 + Int32(index), type, timestampFormat, view))
            }
        }
        let bounds = rows.group(groupOfRow, groupCount: keys.count, created: created)
        for (group, key) in keys.enumerated() { rows.groups[key] = bounds[group] }
        rows.created = created
        return rows
    }

    /// Orders the rows by group (a stable counting sort: read order kept within a group), then
    /// sorts by (event, created) the groups that are not in that order yet, keeping the read order
    /// among full ties. Sets ``events`` to group order and ``rowOf``.
    ///
    /// - Returns: each group's range of positions.
    private mutating func group(_ groups: [Int32], groupCount: Int, created: [Int64]) -> [Range<Int>] {
        var starts = [Int](repeating: 0, count: groupCount + 1)
        for group in groups { starts[Int(group) + 1] += 1 }
        for index in 0..<groupCount { starts[index + 1] += starts[index] }
        let bounds = (0..<groupCount).map { starts[$0]..<starts[$0 + 1] }
        var order = [Int32](repeating: 0, count: groups.count)
        var next = starts
        for (row, group) in groups.enumerated() {
            order[next[Int(group)]] = Int32(row)
            next[Int(group)] += 1
        }
        events.withUnsafeBufferPointer { events in
            for range in bounds {
                var sorted = true
                for position in range.dropFirst() {
                    let (a, b) = (Int(order[position - 1]), Int(order[position]))
                    if (events[a], created[a]) > (events[b], created[b]) {
                        sorted = false
                        break
                    }
                }
                if !sorted {
                    order[range].sort { a, b in
                        (events[Int(a)], created[Int(a)], a) < (events[Int(b)], created[Int(b)], b)
                    }
                }
            }
        }
        events = order.map { events[Int($0)] }
        rowOf = order
        return bounds
    }

    private static func readTime(
        _ statement: some RowCursor, _ column: Int32, _ format: TimestampFormat, _ view: TrainingSetView
    ) throws -> Int64? {
        // Without a created column, the SQL selects 0: it is not a time to parse.
        if case .inPlace(let source) = view.history, source.createdTimestampField == nil,
            column == Int32(view.joinKeys.count) + 1
        {
            return 0
        }
        return try SourceQuery.readTime(
            statement, column, format, origin: SourceOrigin(view: view.view.name, history: view.history))
    }

    private static func readValue(
        _ statement: some RowCursor, _ column: Int32, _ type: ValueType, _ format: TimestampFormat?,
        _ view: TrainingSetView
    ) throws -> FeatureValue {
        try SourceQuery.readValue(
            statement, column, type, format, origin: SourceOrigin(view: view.view.name, history: view.history))
    }
}
