import FeatureProfiles
import FeatureStoreCore
import Foundation
import OfflineStoreSQLite
import SQLite
import Testing

/// Offline profiles against a brute-force reference: however the rows arrive (batches, updates
/// skipped, two processes updating at once), the stored hourly profiles describe exactly the
/// stored rows: counts, nulls, extremes and distinct sketches equal those of the rows of each
/// hour, moments within rounding, quantiles within the sketch's bound. Every test runs on the SQLite
/// and the PostgreSQL offline store.
@Suite struct ProfileStoreTests {
    static let hour: Int64 = 3_600_000_000
    static let base = Timestamp.parse("2026-03-01T00:00:00Z")!

    /// A store with one source: `driver_id` (key), `rate` float64, `trips` int64, `city` string,
    /// `active` bool, and a snapshot view over all four values.
    struct Fixture {
        let location: StoreLocation
        let store: any OfflineHistoryStore
        let table: HistoryTable
        let columns: [OfflineProfileColumn]

        /// A fresh store on the backend of `stores` (schema `name` on PostgreSQL).
        init(_ stores: StoreOpener, name: String = "profiles", dedupeOn: [String] = [], generation: Int64 = 1)
            throws
        {
            let source = Source(
                name: "stats", kind: .push, timestampField: "ts", createdTimestampField: "created",
                schema: [
                    Field(name: "driver_id", type: .int64), Field(name: "ts", type: .timestamp),
                    Field(name: "created", type: .timestamp), Field(name: "rate", type: .float64),
                    Field(name: "trips", type: .int64), Field(name: "city", type: .string),
                    Field(name: "active", type: .bool),
                ], dedupeOn: dedupeOn)
            let features = ["rate", "trips", "city", "active"]
            let definitions = RepoDefinitions(
                entities: [Entity(name: "driver", joinKeys: [JoinKey(name: "driver_id", valueType: .int64)])],
                sources: [source],
                featureViews: [
                    FeatureView(
                        name: "stats_view", entities: ["driver"], source: "stats",
                        features: features.map { name in Feature(name: name, type: source.column(name)!.type) })
                ])
            table = HistoryTable(source: source, generation: generation, definitions: definitions)
            location = stores.location(name)
            store = try location.open()
            try store.prepare([table])
            columns = features.map {
                OfflineProfileColumn(
                    feature: ProfiledFeature(view: "stats_view", feature: $0), column: source.column($0)!)
            }
        }

        /// Another connection to the same database (another process, in effect).
        func secondStore() throws -> any OfflineHistoryStore { try location.open() }
    }

    /// Random rows over `hours` hours: nulls, same-microsecond events, int64 extremes, few cities.
    static func rows(seed: UInt64, count: Int, hours: Int64) -> [[FeatureValue]] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let offset = Int64(random.next() % UInt64(hours * hour))
            // A quarter of the rows share one of a few exact instants.
            let time = random.next() % 4 == 0 ? Int64(random.next() % UInt64(hours)) * hour : offset
            let event = base + TimeSpan(microseconds: time)
            let rate: FeatureValue = random.next() % 10 == 0 ? .null : .float64(Double(random.next() % 10_000) / 99)
            let trips: FeatureValue =
                switch random.next() % 12 {
                case 0: .null
                case 1: .int64(.max)
                case 2: .int64(.min)
                default: .int64(Int64(random.next() % 50))
                }
            let city: FeatureValue =
                random.next() % 8 == 0 ? .null : .string(["a", "b", "é", "d", ""][Int(random.next() % 5)])
            let active: FeatureValue = random.next() % 9 == 0 ? .null : .bool(random.next() % 3 == 0)
            // In HistoryTable.columnNames order: event time, created time, then the value columns.
            return [
                .timestamp(event), .timestamp(event), .int64(Int64(random.next() % 20)), rate, trips, city, active,
            ]
        }
    }

    /// The reference: each hour's profile of each feature, built directly from the rows.
    static func reference(_ rows: [[FeatureValue]], columns: [OfflineProfileColumn], table: HistoryTable)
        -> [ProfileSlot: FeatureProfile]
    {
        var accumulator = ProfileAccumulator(bucketLength: ProfileBuckets.hour)
        let names = table.columnNames
        for row in rows {
            guard case .timestamp(let time) = row[0] else { continue }
            for column in columns {
                let index = names.firstIndex(of: column.column.name)!
                accumulator.add(row[index], type: column.column.type, to: column.feature, at: time)
            }
        }
        return accumulator.profiles
    }

    /// Compares the stored hourly profiles with the reference.
    static func check(_ fixture: Fixture, against rows: [[FeatureValue]], _ context: String) throws {
        let expected = reference(rows, columns: fixture.columns, table: fixture.table)
        let source = ProfileSource.offline(source: "stats", generation: fixture.table.generation)
        var seen = 0
        for (slot, want) in expected {
            let stored = try fixture.store.storedProfile(
                of: source, feature: slot.feature, from: slot.bucketStart,
                to: slot.bucketStart + ProfileBuckets.hour)
            guard let got = stored?.profile else {
                Issue.record("\(context): no stored profile for \(slot.feature) at \(slot.bucketStart.rfc3339)")
                continue
            }
            seen += 1
            let what = "\(context): \(slot.feature) at \(slot.bucketStart.rfc3339)"
            #expect(stored?.buckets == 1, "\(what)")
            #expect(got.count == want.count, "\(what): count")
            #expect(got.nulls == want.nulls, "\(what): nulls")
            #expect(got.invalid == want.invalid, "\(what): invalid")
            #expect(got.minimum == want.minimum && got.maximum == want.maximum, "\(what): extremes")
            #expect(got.integerMinimum == want.integerMinimum && got.integerMaximum == want.integerMaximum)
            #expect(got.distinct == want.distinct, "\(what): distinct sketch")
            if let mean = want.mean {
                // Rounding depends on the order values are added in, and scales with their magnitude
                // (int64 extremes make it large next to a mean near zero).
                let magnitude = max(1, abs(want.minimum), abs(want.maximum))
                #expect(abs(got.mean! - mean) <= 1e-12 * magnitude * Double(want.valueCount), "\(what): mean")
            }
            if got.kind == .categorical {
                #expect(got.frequent.items.map(\.count) == want.frequent.items.map(\.count), "\(what): top values")
                #expect(got.frequent.items.map(\.label) == want.frequent.items.map(\.label), "\(what): top labels")
            } else if want.valueCount > 0 {
                #expect(got.quantiles.count == want.valueCount, "\(what): sketch count")
            }
        }
        #expect(seen == expected.count)
        // Nothing else is stored: the total over all time counts every row once.
        for column in fixture.columns {
            let total = try fixture.store.storedProfile(of: source, feature: column.feature)
            #expect(total?.profile.count == Int64(rows.count), "\(context): total of \(column.feature)")
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func incrementalUpdatesMatchTheRowsWhateverTheBatches(_ backend: StoreBackend) async throws {
        try await backend.run { stores in
            for seed in UInt64(1)...5 {
                let fixture = try Fixture(stores, name: "seed\(seed)")
                var random = SplitMix64(seed: seed &* 17)
                var all: [[FeatureValue]] = []
                for batch in 0..<8 {
                    let rows = Self.rows(
                        seed: seed &* 1000 &+ UInt64(batch), count: 150 + Int(random.next() % 400), hours: 30)
                    try fixture.store.append(rows: rows, to: fixture.table)
                    all += rows
                    // Some batches are not followed by an update: the next one catches up.
                    if random.next() % 3 != 0 {
                        try fixture.store.updateProfiles(of: fixture.table, columns: fixture.columns, now: Self.base)
                    }
                }
                let last = try fixture.store.updateProfiles(
                    of: fixture.table, columns: fixture.columns, now: Self.base)
                #expect(last.profiledThrough == Int64(all.count))
                try Self.check(fixture, against: all, "\(backend) seed \(seed)")
                // Again: nothing new, nothing counted twice.
                let again = try fixture.store.updateProfiles(
                    of: fixture.table, columns: fixture.columns, now: Self.base)
                #expect(again.rows == 0)
                try Self.check(fixture, against: all, "\(backend) seed \(seed), repeated")
            }
        }
    }

    /// Runs `body` again when it found the store locked by the other connection: SQLite gives up
    /// waiting for the write lock after 10 s, which a loaded machine reached twice in CI (once at
    /// load 4); a call that gave up wrote nothing, so trying again is what a caller does.
    @discardableResult
    static func retryingWhileLocked<T>(_ body: () throws -> T) throws -> T {
        for _ in 0..<5 {
            do {
                return try body()
            } catch let error as FeatureStoreError where error.code == .locked {
                continue
            }
        }
        return try body()
    }

    @Test(arguments: StoreBackend.allCases)
    func twoConnectionsUpdatingAtOnceCountEachRowOnce(_ backend: StoreBackend) async throws {
        try await backend.run { stores in
            let fixture = try Fixture(stores)
            let rows = Self.rows(seed: 99, count: 4_000, hours: 48)
            let chunks = stride(from: 0, to: rows.count, by: 250).map { Array(rows[$0..<min(rows.count, $0 + 250)]) }
            let location = fixture.location
            let table = fixture.table
            let columns = fixture.columns
            // One thread appends and updates; another updates in a loop on its own connection.
            try concurrently([
                {
                    let store = try location.open()
                    for chunk in chunks {
                        try Self.retryingWhileLocked { try store.append(rows: chunk, to: table) }
                        try Self.retryingWhileLocked {
                            try store.updateProfiles(of: table, columns: columns, now: Self.base)
                        }
                    }
                },
                {
                    let store = try location.open()
                    for _ in 0..<40 {
                        try Self.retryingWhileLocked {
                            try store.updateProfiles(of: table, columns: columns, now: Self.base)
                        }
                    }
                },
            ])
            try fixture.store.updateProfiles(of: table, columns: columns, now: Self.base)
            try Self.check(fixture, against: rows, "\(backend) concurrent")
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func aNewFeatureIsProfiledOverTheWholeHistory(_ backend: StoreBackend) async throws {
        try await backend.run { stores in
            let fixture = try Fixture(stores)
            let rows = Self.rows(seed: 5, count: 600, hours: 10)
            try fixture.store.append(rows: rows, to: fixture.table)
            let first = Array(fixture.columns.prefix(2))
            try fixture.store.updateProfiles(of: fixture.table, columns: first, now: Self.base)
            let more = Self.rows(seed: 6, count: 300, hours: 10)
            try fixture.store.append(rows: more, to: fixture.table)
            // The other two features are new: profiled from the first row; the first two from the mark.
            let result = try fixture.store.updateProfiles(
                of: fixture.table, columns: fixture.columns, now: Self.base)
            #expect(result.rows == 300 + 900)
            try Self.check(fixture, against: rows + more, "\(backend) new feature")
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func oldHoursMergeIntoDaysAndRangesReadWholeBuckets(_ backend: StoreBackend) async throws {
        try await backend.run { stores in
            let fixture = try Fixture(stores)
            let rows = Self.rows(seed: 8, count: 3_000, hours: 24 * 20)
            try fixture.store.append(rows: rows, to: fixture.table)
            let now = Self.base + .days(20)
            try fixture.store.updateProfiles(of: fixture.table, columns: fixture.columns, now: now)
            let source = ProfileSource.offline(source: "stats", generation: 1)
            let feature = fixture.columns[0].feature
            let total = try #require(try fixture.store.storedProfile(of: source, feature: feature))
            #expect(total.profile.count == 3_000)
            // Days before the cutoff (day 20 - 8 = day 12) are single buckets; later ones are hours.
            let cutoff = ProfileBuckets.rollUpBefore(now: now)
            #expect(cutoff == Self.base + .days(12))
            let early = try #require(
                try fixture.store.storedProfile(of: source, feature: feature, from: nil, to: cutoff))
            #expect(early.buckets == 12)
            let late = try #require(
                try fixture.store.storedProfile(of: source, feature: feature, from: cutoff, to: nil))
            #expect(late.buckets == 8 * 24)
            #expect(early.profile.count + late.profile.count == 3_000)
            let day3 = Self.base + .days(3)
            let expected = rows.filter {
                if case .timestamp(let t) = $0[0] { return t >= day3 && t < day3 + .days(1) }
                return false
            }.count
            let oneDay = try #require(
                try fixture.store.storedProfile(of: source, feature: feature, from: day3, to: day3 + .days(1)))
            #expect(oneDay.profile.count == Int64(expected))
            // Rolling up again (later) changes no total.
            try fixture.store.updateProfiles(of: fixture.table, columns: fixture.columns, now: now + .days(5))
            #expect(try fixture.store.storedProfile(of: source, feature: feature)?.profile.count == 3_000)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func onDemandProfilesEqualTheStoredOnes(_ backend: StoreBackend) async throws {
        try await backend.run { stores in
            let fixture = try Fixture(stores)
            let rows = Self.rows(seed: 12, count: 2_000, hours: 72)
            try fixture.store.append(rows: rows, to: fixture.table)
            try fixture.store.updateProfiles(of: fixture.table, columns: fixture.columns, now: Self.base)
            let from = Self.base + .hours(10)
            let to = Self.base + .hours(50)
            let computed = try fixture.store.computeProfiles(
                of: .table(fixture.table), columns: fixture.columns, from: from, to: to)
            let source = ProfileSource.offline(source: "stats", generation: 1)
            for column in fixture.columns {
                let stored = try #require(
                    try fixture.store.storedProfile(of: source, feature: column.feature, from: from, to: to))
                let now = try #require(computed[column.feature])
                #expect(now.count == stored.profile.count)
                #expect(now.nulls == stored.profile.nulls)
                #expect(now.distinct == stored.profile.distinct)
                #expect(now.minimum == stored.profile.minimum)
            }
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func replacedVersionsCountUntilARebuild(_ backend: StoreBackend) async throws {
        try await backend.run { stores in
            let fixture = try Fixture(stores, dedupeOn: ["driver_id", "ts"])
            let time = FeatureValue.timestamp(Self.base)
            try fixture.store.append(
                rows: [[time, .timestamp(Self.base), .int64(1), .float64(1), .int64(1), .string("a"), .bool(true)]],
                to: fixture.table)
            try fixture.store.updateProfiles(of: fixture.table, columns: fixture.columns, now: Self.base)
            // A later version of the same event replaces the stored row.
            try fixture.store.append(
                rows: [
                    [
                        time, .timestamp(Self.base + .seconds(5)), .int64(1), .float64(2), .int64(2), .string("b"),
                        .bool(false),
                    ]
                ],
                to: fixture.table)
            try fixture.store.updateProfiles(of: fixture.table, columns: fixture.columns, now: Self.base)
            let source = ProfileSource.offline(source: "stats", generation: 1)
            let feature = fixture.columns[0].feature
            #expect(try fixture.store.storedProfile(of: source, feature: feature)?.profile.count == 2)
            try fixture.store.rebuildProfiles(of: fixture.table, columns: fixture.columns, now: Self.base)
            let rebuilt = try #require(try fixture.store.storedProfile(of: source, feature: feature))
            #expect(rebuilt.profile.count == 1)
            #expect(rebuilt.profile.minimum == 2)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func aNewGenerationDropsTheOldProfilesAndStaleOnesCanBeDropped(_ backend: StoreBackend) async throws {
        try await backend.run { stores in
            let fixture = try Fixture(stores)
            try fixture.store.append(rows: Self.rows(seed: 1, count: 100, hours: 3), to: fixture.table)
            try fixture.store.updateProfiles(of: fixture.table, columns: fixture.columns, now: Self.base)
            let next = HistoryTable(
                source: fixture.table.source, generation: 2, requiredColumns: fixture.table.requiredColumns)
            try fixture.store.prepare([next])
            try fixture.store.append(rows: Self.rows(seed: 2, count: 50, hours: 3), to: next)
            try fixture.store.updateProfiles(of: next, columns: fixture.columns, now: Self.base)
            let feature = fixture.columns[0].feature
            #expect(
                try fixture.store.storedProfile(of: .offline(source: "stats", generation: 1), feature: feature) == nil)
            #expect(
                try fixture.store.storedProfile(of: .offline(source: "stats", generation: 2), feature: feature)?
                    .profile.count == 50)
            // Dropping what no view names any more.
            try fixture.store.dropOfflineProfiles(except: [.offline(source: "stats", generation: 2): [feature]])
            #expect(try fixture.store.profiledFeatures(of: .offline(source: "stats", generation: 2)) == [feature])
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func servedProfilesMergeIntoHourlyBuckets(_ backend: StoreBackend) async throws {
        try await backend.run { stores in
            let fixture = try Fixture(stores)
            let feature = ProfiledFeature(view: "stats_view", feature: "rate")
            for batch in 0..<3 {
                var profiles = ProfileAccumulator(bucketLength: ProfileBuckets.hour)
                for index in 0..<100 {
                    profiles.add(
                        .float64(Double(index)), type: .float64, to: feature,
                        at: Self.base + .minutes(Int64(index + batch * 100)))
                }
                try fixture.store.mergeProfiles(profiles, into: .served(service: "svc"), now: Self.base)
            }
            let stored = try #require(try fixture.store.storedProfile(of: .served(service: "svc"), feature: feature))
            #expect(stored.profile.count == 300)
            #expect(stored.buckets == 5)
            #expect(try fixture.store.profileSources(kind: .served) == [.served(service: "svc")])
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func baselinesAreSavedReplacedAndRead(_ backend: StoreBackend) async throws {
        try await backend.run { stores in
            let fixture = try Fixture(stores)
            let feature = ProfiledFeature(view: "stats_view", feature: "rate")
            var profile = FeatureProfile(type: .float64)
            for value in 0..<10 { profile.add(Double(value)) }
            let info = BaselineInfo(name: "v1", createdAt: Self.base, rows: 10, origin: "test", features: [feature])
            #expect(try fixture.store.saveBaseline(info, profiles: [feature: profile]) == nil)
            let loaded = try #require(try fixture.store.baseline(named: "v1"))
            #expect(loaded.info == info)
            #expect(loaded.profiles[feature] == profile)
            var second = info
            second.rows = 20
            #expect(try fixture.store.saveBaseline(second, profiles: [feature: profile]) == info)
            #expect(try fixture.store.baselines().map(\.rows) == [20])
            #expect(try fixture.store.baseline(named: "v2") == nil)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func aDamagedStoredProfileIsAnErrorNamingTheRemedy(_ backend: StoreBackend) async throws {
        try await backend.run { stores in
            let fixture = try Fixture(stores)
            try fixture.store.append(rows: Self.rows(seed: 3, count: 50, hours: 2), to: fixture.table)
            try fixture.store.updateProfiles(of: fixture.table, columns: fixture.columns, now: Self.base)
            try fixture.location.damageProfiles()
            do {
                _ = try fixture.store.storedProfile(
                    of: .offline(source: "stats", generation: 1), feature: fixture.columns[0].feature)
                Issue.record("\(backend): a damaged profile was read")
            } catch let error as FeatureStoreError {
                #expect(error.message.contains("damaged"))
                #expect(error.message.contains("--rebuild"))
            }
        }
    }
}
