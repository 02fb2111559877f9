import FeatureProfiles
import FeatureStoreCore
import SQLite

/// What bringing a source's offline profiles up to date did.
public struct ProfileUpdateResult: Sendable, Equatable {
    /// History rows profiled (each once per distinct column set; 0 when nothing new had arrived).
    public var rows: Int
    /// Features whose profiles were brought up to date.
    public var features: Int
    /// Buckets written: hours, and days for the hours already past ``ProfileBuckets/hourlyRetention``.
    public var buckets: Int
    /// The arrival number (`__seq`) up to which every feature's rows are now profiled.
    public var profiledThrough: Int64
    public var seconds: Double

    package init(rows: Int, features: Int, buckets: Int, profiledThrough: Int64, seconds: Double) {
        self.rows = rows
        self.features = features
        self.buckets = buckets
        self.profiledThrough = profiledThrough
        self.seconds = seconds
    }
}

extension OfflineStore {
    /// Brings the hourly offline profiles of `columns` (the view features over `table`'s source) up
    /// to date with the rows stored so far: profiles every row that arrived since each feature's
    /// last update and merges the profiles into the stored hourly buckets (by event time), then
    /// merges hourly buckets older than ``ProfileBuckets/hourlyRetention`` into days.
    ///
    /// This is what ingest and push call after their rows are committed; calling it again, or from
    /// several processes at once, never profiles a row twice (each feature keeps the arrival number
    /// it is profiled through, checked and moved in the transaction that stores the profiles). A
    /// feature seen for the first time (a new view over an old source) is profiled over the whole
    /// history. The rows are read in a read transaction, so writers are not held up by the scan.
    ///
    /// Profiles describe values as they arrived: when a row of a source with `dedupe_on` replaces
    /// an earlier version of its event, both versions stay counted; ``rebuildProfiles(of:columns:now:)``
    /// recomputes them from the rows stored now.
    ///
    /// `arrived`, the profiles an ingest computed of its own rows while inserting them, stands in
    /// for reading those rows back where no earlier row of a feature is still unprofiled.
    ///
    /// - Throws: `conflict` when the table does not exist (an apply replaced it); `storage`.
    @discardableResult
    public func updateProfiles(
        of table: HistoryTable, columns: [OfflineProfileColumn], now: Timestamp, arrived: ArrivedProfiles?
    ) throws -> ProfileUpdateResult {
        let started = ContinuousClock.now
        var timer = PhaseTimer("profile update")
        let source = ProfileSource.offline(source: table.source.name, generation: table.generation)
        return try storage {
            for attempt in 0..<3 {
                let locked = attempt == 2
                if locked { try database.execute("BEGIN IMMEDIATE") } else { try database.execute("BEGIN") }
                var committed = false
                defer { if !committed { try? database.execute("ROLLBACK") } }
                try requireTable(table)
                let marks = try profileMarks(of: source, columns: columns)
                let last =
                    try database.scalarInt("SELECT value FROM offline_meta WHERE key = 'next_sequence'").map {
                        $0 - 1
                    } ?? 0
                let (rows, profiles) = try reader.profileArrivals(
                    of: table, columns: columns, marks: marks, through: last, arrived: arrived)
                timer.mark("profile new rows")
                if !locked {
                    try database.execute("COMMIT")
                    try database.execute("BEGIN IMMEDIATE")
                    // Another process may have profiled the same rows meanwhile: then start over.
                    guard try profileMarks(of: source, columns: columns) == marks else {
                        try database.execute("ROLLBACK")
                        committed = true
                        continue
                    }
                }
                try createProfileTables()
                let (hours, days) = try profiles.splitForRollUp(now: now)
                try mergeStored(hours.profiles, into: source)
                try mergeStored(days.profiles, into: source)
                timer.mark("merge into stored buckets")
                try setProfileMarks(of: source, columns: columns, to: last)
                try dropEarlierGenerations(of: source)
                try rollUp(source, now: now)
                timer.mark("merge old hours into days")
                try database.execute("COMMIT")
                timer.mark("commit")
                committed = true
                return ProfileUpdateResult(
                    rows: rows, features: columns.count, buckets: hours.profiles.count + days.profiles.count,
                    profiledThrough: last,
                    seconds: started.secondsSince)
            }
            throw FeatureStoreError(
                .conflict, "the profiles of source '\(table.source.name)' kept changing while being updated; retry")
        }
    }

    /// Recomputes the offline profiles of `columns` from the rows stored now (the remedy for
    /// replaced versions counted twice, or profiles of an earlier fs).
    @discardableResult
    public func rebuildProfiles(of table: HistoryTable, columns: [OfflineProfileColumn], now: Timestamp) throws
        -> ProfileUpdateResult
    {
        let source = ProfileSource.offline(source: table.source.name, generation: table.generation)
        try storage {
            try database.transaction {
                try createProfileTables()
                let profiles = try database.prepare(
                    "DELETE FROM profiles WHERE kind = 'offline' AND name = ? AND generation = ? AND view = ? AND feature = ?"
                )
                let marks = try database.prepare(
                    "DELETE FROM profile_marks WHERE source = ? AND generation = ? AND view = ? AND feature = ?")
                for column in columns {
                    let key: [SQLiteValue] = [
                        .text(source.name), .integer(source.generation), .text(column.feature.view),
                        .text(column.feature.feature),
                    ]
                    try profiles.run(key)
                    try marks.run(key)
                }
            }
        }
        return try updateProfiles(of: table, columns: columns, now: now)
    }

    /// Profiles of `columns` over the rows of `history` whose event time is in `[from, to)` (all
    /// rows when both are `nil`), computed now and not stored: `fs stats --rescan`, and the
    /// profiles of `sqlite` sources (read in place, never ingested).
    ///
    /// Rows of a `sqlite` source without an event time are not part of any history fs reads and
    /// are skipped, as training sets skip them.
    public func computeProfiles(
        of history: HistoryLocation, columns: [OfflineProfileColumn], from: Timestamp? = nil, to: Timestamp? = nil
    ) throws -> [ProfiledFeature: FeatureProfile] {
        let distinct = OfflineProfileColumn.distinct(columns)
        return try storage {
            try database.transaction(immediate: false) {
                switch history {
                case .table(let table):
                    try requireTable(table)
                    return try reader.computeProfiles(of: table, columns: columns, from: from, to: to)
                case .inPlace(let source):
                    var profiler = HistoryProfiler(columns: distinct, bucketLength: .zero)
                    let query = SourceQuery(
                        history: history, joinKeys: [],
                        features: distinct.map { Feature(name: $0.name, type: $0.type) },
                        viewName: columns.first?.feature.view ?? source.name)
                    let statement = try database.prepare(query.sql())
                    while try statement.step() {
                        guard let (event, _) = try query.times(statement) else { continue }
                        if let from, event < from.microseconds { continue }
                        if let to, event >= to.microseconds { continue }
                        profiler.add(try query.values(statement), at: Timestamp(microseconds: event))
                    }
                    return try profiler.profiles(of: columns)
                }
            }
        }
    }

    // MARK: Parts

    /// Each feature's arrival number profiled through (0 when never profiled).
    func profileMarks(of source: ProfileSource, columns: [OfflineProfileColumn]) throws -> [Int64] {
        guard try database.tableExists("profile_marks") else { return columns.map { _ in 0 } }
        let statement = try database.prepare(
            "SELECT profiled_through FROM profile_marks WHERE source = ? AND generation = ? AND view = ? AND feature = ?"
        )
        return try columns.map { column in
            statement.reset()
            try statement.bind([
                .text(source.name), .integer(source.generation), .text(column.feature.view),
                .text(column.feature.feature),
            ])
            return try statement.step() ? statement.int64(0) : 0
        }
    }

    private func setProfileMarks(of source: ProfileSource, columns: [OfflineProfileColumn], to mark: Int64) throws {
        let statement = try database.prepare(
            "INSERT INTO profile_marks (source, generation, view, feature, profiled_through) VALUES (?, ?, ?, ?, ?) ON CONFLICT (source, generation, view, feature) DO UPDATE SET profiled_through = excluded.profiled_through"
        )
        for column in columns {
            try statement.run([
                .text(source.name), .integer(source.generation), .text(column.feature.view),
                .text(column.feature.feature), .integer(mark),
            ])
        }
    }

    /// Deletes the offline profiles and marks of earlier generations of `source`'s source (a
    /// breaking change started a new history table; its old profiles describe data that is gone).
    private func dropEarlierGenerations(of source: ProfileSource) throws {
        try database.prepare("DELETE FROM profiles WHERE kind = 'offline' AND name = ? AND generation < ?").run([
            .text(source.name), .integer(source.generation),
        ])
        try database.prepare("DELETE FROM profile_marks WHERE source = ? AND generation < ?").run([
            .text(source.name), .integer(source.generation),
        ])
    }
}
