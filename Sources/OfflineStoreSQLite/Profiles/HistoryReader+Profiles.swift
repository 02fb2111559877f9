import FeatureProfiles
import FeatureStoreCore
import SQLite

/// The profiling of history tables both backends share: the SQL (with the reader's parameter
/// prefix and order) and the ``HistoryProfiler`` over its rows.
extension HistoryReader {
    /// Profiles, per hour, the rows that arrived after each feature's mark, up to `last`: one scan
    /// per distinct mark (usually one), reading only the columns it needs.
    ///
    /// Rows are read in the order SQLite reads them: the whole table in its clustering order (event
    /// time, then arrival) from mark 0, by arrival number since a later mark (the index on `__seq`),
    /// so both backends build the same sketches.
    ///
    /// `arrived` (the profiles an ingest computed of its own rows) stands in for reading those rows
    /// back, for the features it covers whose mark leaves no row of the table unprofiled before
    /// them; rows after them are read back as usual.
    package func profileArrivals(
        of table: HistoryTable, columns: [OfflineProfileColumn], marks: [Int64], through last: Int64,
        arrived: ArrivedProfiles? = nil
    ) throws -> (rows: Int, profiles: ProfileAccumulator) {
        var result = ProfileAccumulator(bucketLength: ProfileBuckets.hour)
        var rows = 0
        var marks = marks
        if let arrived, arrived.table == table.name, arrived.through <= last {
            let covered = Set(arrived.columns)
            var taken: Set<ProfiledFeature> = []
            var checked: [Int64: Bool] = [:]
            for (index, column) in columns.enumerated() where covered.contains(column) && marks[index] <= arrived.after
            {
                let mark = marks[index]
                if checked[mark] == nil { checked[mark] = try !hasRows(of: table, after: mark, through: arrived.after) }
                guard checked[mark] == true else { continue }
                marks[index] = arrived.through
                taken.insert(column.feature)
            }
            if !taken.isEmpty {
                try result.merge(arrived.profiles(of: taken))
                rows += arrived.rows
            }
        }
        var groups: [Int64: [OfflineProfileColumn]] = [:]
        for (column, mark) in zip(columns, marks) where mark < last { groups[mark, default: []].append(column) }
        let p = parameterPrefix
        for (mark, group) in groups.sorted(by: { $0.key < $1.key }) {
            let distinct = OfflineProfileColumn.distinct(group)
            let selected = [HistoryTable.eventColumn] + distinct.map { quoteIdentifier($0.name) }
            var sql = "SELECT \(selected.joined(separator: ", ")) FROM \(quoteIdentifier(table.name))"
            let parameters: [Int64]
            if readsInClusteringOrder {
                // SQLite reads in one snapshot, where `last` is the newest arrival. Everything: the
                // table in its own order. Since a mark: the rows after it, by the index on __seq.
                sql += mark == 0 ? " NOT INDEXED" : " WHERE \(HistoryTable.sequenceColumn) > \(p)1"
                parameters = mark == 0 ? [] : [mark]
            } else {
                // Rows that commit after `last` was read may be visible: the range stops at it.
                let order =
                    mark == 0
                    ? "\(HistoryTable.eventColumn), \(HistoryTable.sequenceColumn)" : HistoryTable.sequenceColumn
                sql +=
                    " WHERE \(HistoryTable.sequenceColumn) > \(p)1 AND \(HistoryTable.sequenceColumn) <= \(p)2 ORDER BY \(order)"
                parameters = [mark, last]
            }
            var profiler = HistoryProfiler(columns: distinct, bucketLength: ProfileBuckets.hour)
            try profiler.consume(cursor(sql, parameters))
            rows += profiler.rows
            try result.merge(profiler.accumulator(for: group))
        }
        return (rows, result)
    }

    /// Whether `table` holds a row numbered in `after + 1 ... through`.
    private func hasRows(of table: HistoryTable, after: Int64, through: Int64) throws -> Bool {
        guard after < through else { return false }
        let p = parameterPrefix
        var cursor = try cursor(
            "SELECT 1 FROM \(quoteIdentifier(table.name)) WHERE \(HistoryTable.sequenceColumn) > \(p)1 AND \(HistoryTable.sequenceColumn) <= \(p)2 LIMIT 1",
            [after, through])
        return try cursor.step()
    }

    /// Profiles of `columns` over the rows of a history table whose event time is in `[from, to)`
    /// (all rows when both are `nil`), in one bucket.
    package func computeProfiles(
        of table: HistoryTable, columns: [OfflineProfileColumn], from: Timestamp?, to: Timestamp?
    ) throws -> [ProfiledFeature: FeatureProfile] {
        let distinct = OfflineProfileColumn.distinct(columns)
        var profiler = HistoryProfiler(columns: distinct, bucketLength: .zero)
        let selected = [HistoryTable.eventColumn] + distinct.map { quoteIdentifier($0.name) }
        var sql = "SELECT \(selected.joined(separator: ", ")) FROM \(quoteIdentifier(table.name))"
        var parameters: [Int64] = []
        if from != nil || to != nil {
            let p = parameterPrefix
            sql += " WHERE \(HistoryTable.eventColumn) >= \(p)1 AND \(HistoryTable.eventColumn) < \(p)2"
            parameters = [(from ?? .min).microseconds, (to ?? .max).microseconds]
        }
        if !readsInClusteringOrder {
            sql += " ORDER BY \(HistoryTable.eventColumn), \(HistoryTable.sequenceColumn)"
        }
        try profiler.consume(cursor(sql, parameters))
        return try profiler.profiles(of: columns)
    }
}

extension HistoryProfiler {
    /// Each feature's profile from a one-bucket profiler (an empty profile for a feature without rows).
    package func profiles(of columns: [OfflineProfileColumn]) throws -> [ProfiledFeature: FeatureProfile] {
        var result: [ProfiledFeature: FeatureProfile] = [:]
        for (slot, profile) in try accumulator(for: columns).profiles { result[slot.feature] = profile }
        for column in columns where result[column.feature] == nil {
            result[column.feature] = FeatureProfile(type: column.column.type)
        }
        return result
    }
}

extension OfflineProfileColumn {
    /// The distinct source columns `columns` read, in first-seen order.
    package static func distinct(_ columns: [OfflineProfileColumn]) -> [Field] {
        var result: [Field] = []
        for column in columns where !result.contains(column.column) { result.append(column.column) }
        return result
    }
}
