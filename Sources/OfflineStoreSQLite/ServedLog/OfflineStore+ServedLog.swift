import FeatureProfiles
import FeatureStoreCore
import SQLite

extension OfflineStore {
    /// Writes a batch of served-vector log rows, possibly of several services, in one
    /// transaction: all of them or none. Each service's table is created on its first write, and
    /// columns its layout gained since are added in place.
    ///
    /// The same transaction merges the profiles of the written values into the service's hourly
    /// served profiles (series `served:<service>`, per view and feature, bucketed by
    /// `__log_timestamp`; see ``servedProfiles(of:rows:)``), then merges hourly buckets older than
    /// ``ProfileBuckets/hourlyRetention`` before the batch's latest log time into days: the log
    /// and its profiles never disagree, whatever a crash interrupts.
    ///
    /// - Throws: `invalidInput` for a row whose width does not fit its layout (nothing written);
    ///   `locked` or `storage` when SQLite fails.
    public func writeServedLog(_ batch: [(layout: ServedLogLayout, rows: [ServedLogRow])]) throws {
        try ServedLogReading.checkWidths(batch)
        try storage {
            try database.transaction {
                for (layout, rows) in batch where !rows.isEmpty {
                    try createProfileTables()
                    let source = ProfileSource.served(service: layout.service)
                    try mergeStored(Self.servedProfiles(of: layout, rows: rows).profiles, into: source)
                    let latest = rows.map(\.logTimestamp).max() ?? Timestamp(microseconds: 0)
                    try rollUp(source, now: latest)
                    try prepareServedLog(layout)
                    let names = layout.columnNames
                    let placeholders = Array(repeating: "?", count: names.count).joined(separator: ", ")
                    let insert = try database.prepare(
                        "INSERT INTO \(quoteIdentifier(layout.tableName)) (\(names.map(quoteIdentifier).joined(separator: ", "))) VALUES (\(placeholders))"
                    )
                    for row in rows {
                        var parameter: Int32 = 1
                        func bind(_ value: SQLiteValue) throws {
                            try insert.bind(value, at: parameter)
                            parameter += 1
                        }
                        for key in row.keys { try bind(key.sqliteValue) }
                        for value in row.values {
                            try bind(value.value.sqliteValue)
                            try bind(value.eventTime.map { .integer($0.microseconds) } ?? .null)
                            try bind(.text(value.status.rawValue))
                        }
                        try bind(.integer(row.logTimestamp.microseconds))
                        try bind(.text(row.requestID))
                        try bind(.integer(row.serviceVersion))
                        _ = try insert.step()
                        insert.reset()
                    }
                }
            }
        }
    }

    /// The hourly profiles of logged rows, per view and feature, bucketed by log time: each value
    /// as the log stores it (``FeatureValue/asStoredInSQLite``: a NaN is stored, and profiled, as
    /// null), nulls of every status (not found, null value, outside max age) counted as nulls.
    public static func servedProfiles(of layout: ServedLogLayout, rows: [ServedLogRow]) -> ProfileAccumulator {
        var profiles = ProfileAccumulator(bucketLength: ProfileBuckets.hour)
        let features = layout.features.map { ProfiledFeature(view: $0.view, feature: $0.feature) }
        for row in rows {
            for (index, value) in row.values.enumerated() where index < features.count {
                profiles.add(
                    value.value.asStoredInSQLite, type: layout.features[index].type, to: features[index],
                    at: row.logTimestamp)
            }
        }
        return profiles
    }

    /// Creates the log table of `layout` or adds the columns it lacks (inside a transaction).
    private func prepareServedLog(_ layout: ServedLogLayout) throws {
        if try database.tableExists(layout.tableName) {
            let present = Set(try database.columns(of: layout.tableName).map(\.name))
            for column in layout.columns where !present.contains(column.name) {
                try database.execute(
                    "ALTER TABLE \(quoteIdentifier(layout.tableName)) ADD COLUMN \(quoteIdentifier(column.name)) \(column.declaration)"
                )
            }
        } else {
            try database.execute(layout.createSQL)
        }
        for sql in layout.indexSQL { try database.execute(sql) }
    }

    /// The logged rows of `layout`'s service in arrival order, read under `layout` (a column the
    /// table lacks reads as null), optionally only those logged in `[from, to)`.
    ///
    /// - Throws: `invalidInput` for a stored value that does not fit the layout's type.
    public func servedLogRows(_ layout: ServedLogLayout, from: Timestamp? = nil, to: Timestamp? = nil) throws
        -> [ServedLogRow]
    {
        try storage {
            guard try database.tableExists(layout.tableName) else { return [] }
            let present = Set(try database.columns(of: layout.tableName).map(\.name))
            let selected = layout.columnNames.map { present.contains($0) ? quoteIdentifier($0) : "NULL" }
            var sql =
                "SELECT \(selected.joined(separator: ", ")) FROM \(quoteIdentifier(layout.tableName)) WHERE \(ServedLogLayout.logTimestampColumn) >= ? AND \(ServedLogLayout.logTimestampColumn) < ?"
            sql += " ORDER BY \(ServedLogLayout.sequenceColumn)"
            let statement = try database.prepare(sql)
            try statement.bind([
                .integer(from?.microseconds ?? Int64.min), .integer(to?.microseconds ?? Int64.max),
            ])
            var rows: [ServedLogRow] = []
            while try statement.step() { rows.append(try ServedLogReading.row(statement, layout: layout)) }
            return rows
        }
    }
}

extension SourceOrigin {
    /// Values read back from the log table of `layout`'s service.
    init(servedLog layout: ServedLogLayout) {
        self.view = "served log of feature service '\(layout.service)'"
        self.source = layout.tableName
    }
}
