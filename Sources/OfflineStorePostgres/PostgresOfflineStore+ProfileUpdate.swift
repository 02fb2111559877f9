import FeatureProfiles
import FeatureStoreCore
import OfflineStoreSQLite
import PostgresClient

extension PostgresOfflineStore {
    /// Brings the hourly offline profiles of `columns` up to date with the rows stored so far, as
    /// the SQLite store does (see ``OfflineStore/updateProfiles(of:columns:now:arrived:)``): profiles the
    /// rows that arrived after each feature's mark, merges them into the stored hourly buckets,
    /// moves the marks and merges old hours into days, in one transaction.
    ///
    /// Updaters of one source's generation take turns on the series' advisory lock (held to the
    /// commit), and read the marks after taking it: whoever runs the update, and however many run
    /// at once, each row is profiled once. Rows are read up to the arrival number committed when
    /// the update began (writers commit numbers in order, so none below it is still to come).
    /// Ingest and push never wait for an update.
    ///
    /// - Throws: `conflict` when the table does not exist (an apply replaced it); `storage`.
    @discardableResult
    public func updateProfiles(
        of table: HistoryTable, columns: [OfflineProfileColumn], now: Timestamp, arrived: ArrivedProfiles?
    ) throws -> ProfileUpdateResult {
        let started = ContinuousClock.now
        let source = ProfileSource.offline(source: table.source.name, generation: table.generation)
        return try write { transaction in
            try requireTable(table, transaction)
            try createProfileTables(transaction)
            try lockSeries(source, transaction)
            let marks = try profileMarks(of: source, columns: columns, transaction)
            let last =
                (try transaction.scalarInt(
                    "SELECT value FROM \(schema).offline_meta WHERE key = 'next_sequence'") ?? 1) - 1
            let (rows, profiles) = try PostgresHistoryReader(transaction: transaction).profileArrivals(
                of: table, columns: columns, marks: marks, through: last, arrived: arrived)
            let (hours, days) = try profiles.splitForRollUp(now: now)
            try mergeStoredProfiles(hours.profiles, into: source, transaction)
            try mergeStoredProfiles(days.profiles, into: source, transaction)
            try setProfileMarks(of: source, columns: columns, to: last, transaction)
            try dropEarlierGenerations(of: source, transaction)
            try rollUpProfiles(source, now: now, transaction)
            return ProfileUpdateResult(
                rows: rows, features: columns.count, buckets: hours.profiles.count + days.profiles.count,
                profiledThrough: last,
                seconds: started.secondsSince)
        }
    }

    /// Recomputes the offline profiles of `columns` from the rows stored now (see
    /// ``OfflineStore/rebuildProfiles(of:columns:now:)``).
    @discardableResult
    public func rebuildProfiles(of table: HistoryTable, columns: [OfflineProfileColumn], now: Timestamp) throws
        -> ProfileUpdateResult
    {
        let source = ProfileSource.offline(source: table.source.name, generation: table.generation)
        try write { transaction in
            try createProfileTables(transaction)
            try lockSeries(source, transaction)
            let (views, features) = Self.keys(columns.map(\.feature))
            let bounds: [PostgresValue] = [
                .text(source.name), .integer(source.generation), .array(views), .array(features),
            ]
            try transaction.query(
                "DELETE FROM \(qualified("profiles")) p USING unnest($3::text[], $4::text[]) AS k (view, feature) WHERE p.kind = 'offline' AND p.name = $1 AND p.generation = $2 AND p.view = k.view AND p.feature = k.feature",
                bounds)
            try transaction.query(
                "DELETE FROM \(qualified("profile_marks")) m USING unnest($3::text[], $4::text[]) AS k (view, feature) WHERE m.source = $1 AND m.generation = $2 AND m.view = k.view AND m.feature = k.feature",
                bounds)
        }
        return try updateProfiles(of: table, columns: columns, now: now)
    }

    /// Profiles of `columns` over the rows of `history` whose event time is in `[from, to)` (all
    /// rows when both are `nil`), computed now and not stored (see
    /// ``OfflineStore/computeProfiles(of:columns:from:to:)``): a history table read in one
    /// snapshot, a `postgres` source read in place through the shared event scan.
    public func computeProfiles(
        of history: HistoryLocation, columns: [OfflineProfileColumn], from: Timestamp? = nil, to: Timestamp? = nil
    ) throws -> [ProfiledFeature: FeatureProfile] {
        switch history {
        case .table(let table):
            return try read { reader in
                try requireTable(table, reader.transaction)
                return try reader.computeProfiles(of: table, columns: columns, from: from, to: to)
            }
        case .inPlace(let source):
            let distinct = OfflineProfileColumn.distinct(columns)
            var profiler = HistoryProfiler(columns: distinct, bucketLength: .zero)
            // The scan's range includes its end; profiles' ranges do not.
            try scanEvents(
                history: history, viewName: columns.first?.feature.view ?? source.name, joinKeys: [],
                columns: distinct.map { Feature(name: $0.name, type: $0.type) }, from: from ?? .min, to: to ?? .max,
                arrivedAfter: nil, batchSize: 10_000
            ) { events in
                for event in events {
                    if let to, event.time >= to { continue }
                    profiler.add(event.values, at: event.time)
                }
            }
            return try profiler.profiles(of: columns)
        }
    }

    // MARK: Parts

    /// Each feature's arrival number profiled through (0 when never profiled).
    private func profileMarks(
        of source: ProfileSource, columns: [OfflineProfileColumn], _ transaction: PostgresTransaction
    ) throws -> [Int64] {
        var marks: [ProfiledFeature: Int64] = [:]
        for row in try transaction.query(
            "SELECT view, feature, profiled_through FROM \(qualified("profile_marks")) WHERE source = $1 AND generation = $2",
            [.text(source.name), .integer(source.generation)])
        {
            marks[ProfiledFeature(view: try row.text(0), feature: try row.text(1))] = try row.int64(2)
        }
        return columns.map { marks[$0.feature] ?? 0 }
    }

    private func setProfileMarks(
        of source: ProfileSource, columns: [OfflineProfileColumn], to mark: Int64, _ transaction: PostgresTransaction
    ) throws {
        let (views, features) = Self.keys(columns.map(\.feature))
        try transaction.query(
            """
            INSERT INTO \(qualified("profile_marks")) (source, generation, view, feature, profiled_through)
            SELECT $1, $2, k.view, k.feature, $5 FROM unnest($3::text[], $4::text[]) AS k (view, feature)
            ON CONFLICT (source, generation, view, feature) DO UPDATE SET profiled_through = excluded.profiled_through
            """,
            [.text(source.name), .integer(source.generation), .array(views), .array(features), .integer(mark)])
    }

    /// Deletes the offline profiles and marks of earlier generations of `source`'s source.
    private func dropEarlierGenerations(of source: ProfileSource, _ transaction: PostgresTransaction) throws {
        let bounds: [PostgresValue] = [.text(source.name), .integer(source.generation)]
        try transaction.query(
            "DELETE FROM \(qualified("profiles")) WHERE kind = 'offline' AND name = $1 AND generation < $2", bounds)
        try transaction.query(
            "DELETE FROM \(qualified("profile_marks")) WHERE source = $1 AND generation < $2", bounds)
    }

    /// The distinct features as two `text` arrays (views, features), for `unnest`.
    static func keys(_ features: some Sequence<ProfiledFeature>) -> (PostgresArray, PostgresArray) {
        var seen: Set<ProfiledFeature> = []
        var views = PostgresArray(.text)
        var names = PostgresArray(.text)
        for feature in features where seen.insert(feature).inserted {
            views.append(text: feature.view)
            names.append(text: feature.feature)
        }
        return (views, names)
    }
}
