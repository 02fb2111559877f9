import FeatureProfiles
import FeatureStoreCore
import Foundation
import OfflineStorePostgres
import OfflineStoreSQLite
import PostgresTestSupport
import Synchronization
import Testing

/// The served-log operations of both offline stores against one reference: rows read back as the
/// SQLite log stores them (a NaN as null, -0.0 as 0.0, every other value exactly), in arrival
/// order, with columns a later layout adds read as null in earlier rows; outcomes in arrival order
/// and the latest per request and name; prunes by whole UTC days; consistency runs.
@Suite struct ServedLogStoreTests {
    static let base = Timestamp.parse("2026-03-01T00:00:00Z")!
    static let hour: Int64 = 3_600_000_000

    static let layout = ServedLogLayout(
        service: "ranking", keys: [Field(name: "driver_id", type: .int64), Field(name: "city", type: .string)],
        features: [
            .init(view: "stats", feature: "rate", type: .float64),
            .init(view: "stats", feature: "trips", type: .int64),
            .init(view: "stats", feature: "name", type: .string),
            .init(view: "stats", feature: "active", type: .bool),
            .init(view: "stats", feature: "seen", type: .timestamp),
            .init(view: "stats", feature: "blob", type: .bytes),
        ])

    /// The layout after the service gained a feature and a view.
    static let grown = ServedLogLayout(
        service: "ranking", keys: layout.keys,
        features: layout.features + [.init(view: "extra", feature: "score", type: .float64)])

    static func value(_ type: ValueType, _ random: inout SplitMix64) -> FeatureValue {
        if Int.random(in: 0..<6, using: &random) == 0 { return .null }
        switch type {
        case .float64:
            let specials: [Double] = [
                .nan, -0.0, 0, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude,
                0.1 + 0.2,
            ]
            if Bool.random(using: &random) { return .float64(specials.randomElement(using: &random)!) }
            return .float64(
                Double(bitPattern: random.next() & 0x7FEF_FFFF_FFFF_FFFF) * (Bool.random(using: &random) ? 1 : -1))
        case .int64:
            return .int64([.min, .max, 0, -1, Int64(bitPattern: random.next())].randomElement(using: &random)!)
        case .string:
            return .string(["", "a", "é ü", "quote ' \" \\ ", "tab\tnew\nline", "😀"].randomElement(using: &random)!)
        case .bool:
            return .bool(Bool.random(using: &random))
        case .timestamp:
            return .timestamp(Timestamp(microseconds: Int64(bitPattern: random.next()) >> 8))
        case .bytes:
            return .bytes(
                (0..<Int.random(in: 0..<6, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) })
        }
    }

    static func row(_ layout: ServedLogLayout, at time: Timestamp, _ index: Int, _ random: inout SplitMix64)
        -> ServedLogRow
    {
        let statuses: [FeatureStatus] = [.present, .notFound, .nullValue, .outsideMaxAge]
        return ServedLogRow(
            keys: layout.keys.map { value($0.type, &random) },
            values: layout.features.map { feature in
                let value = Self.value(feature.type, &random)
                return OnlineValue(
                    value: value, status: statuses.randomElement(using: &random)!,
                    eventTime: Bool.random(using: &random) ? nil : Timestamp(microseconds: time.microseconds - 17))
            }, logTimestamp: time, requestID: "r\(index)", serviceVersion: Int64(index % 3))
    }

    /// `row` as it reads back under `layout` (which may have more features than it was written with).
    static func stored(_ row: ServedLogRow, under layout: ServedLogLayout) -> ServedLogRow {
        var row = row
        row.keys = row.keys.map(\.asStoredInSQLite)
        row.values = row.values.map {
            OnlineValue(value: $0.value.asStoredInSQLite, status: $0.status, eventTime: $0.eventTime)
        }
        while row.values.count < layout.features.count {
            row.values.append(OnlineValue(value: .null, status: .notFound, eventTime: nil))
        }
        return row
    }

    @Test(arguments: StoreBackend.allCases)
    func rowsReadBackAsTheSQLiteLogStoresThem(backend: StoreBackend) async throws {
        try await backend.run { stores in
            for seed in UInt64(0)..<6 {
                var random = SplitMix64(seed: seed)
                let store = try stores.store("served-rows")
                var written: [ServedLogRow] = []
                var index = 0
                for batch in 0..<Int.random(in: 2...5, using: &random) {
                    // The layout grows after the first batch: its columns are added in place.
                    let layout = batch == 0 ? Self.layout : Self.grown
                    let rows = (0..<Int.random(in: 1...300, using: &random)).map { _ in
                        index += 1
                        return Self.row(
                            layout,
                            at: Timestamp(
                                microseconds: Self.base.microseconds
                                    + Int64.random(in: -48 * Self.hour..<(48 * Self.hour), using: &random)),
                            index, &random)
                    }
                    try store.writeServedLog([(layout: layout, rows: rows)])
                    written += rows
                }
                let expected = written.map { Self.stored($0, under: Self.grown) }
                #expect(try store.servedLogRows(Self.grown) == expected, "seed \(seed)")
                // The first layout reads its own columns only.
                #expect(
                    try store.servedLogRows(Self.layout)
                        == written.map { row in
                            var row = Self.stored(row, under: Self.layout)
                            row.values = Array(row.values.prefix(Self.layout.features.count))
                            return row
                        }, "seed \(seed)")
                let from = Timestamp(microseconds: Self.base.microseconds - Self.hour)
                let to = Timestamp(microseconds: Self.base.microseconds + 5 * Self.hour)
                #expect(
                    try store.servedLogRows(Self.grown, from: from, to: to)
                        == expected.filter { $0.logTimestamp >= from && $0.logTimestamp < to }, "seed \(seed)")
            }
        }
    }

    /// A row of the wrong width is refused before anything of its batch is written. (A batch
    /// failing part way, at a table that cannot be created, leaves nothing either:
    /// ``ServedProfileTests/aFailedBatchLeavesNeitherRowsNorProfiles(backend:)``.)
    @Test(arguments: StoreBackend.allCases)
    func aRowOfTheWrongWidthWritesNothing(backend: StoreBackend) async throws {
        try await backend.run { stores in
            var random = SplitMix64(seed: 5)
            let store = try stores.store("served-atomic")
            let good = (0..<5).map { Self.row(Self.layout, at: Self.base, $0, &random) }
            var narrow = good[0]
            narrow.values.removeLast()
            let error = try #require(throws: FeatureStoreError.self) {
                try store.writeServedLog([(layout: Self.layout, rows: good + [narrow])])
            }
            #expect(
                error.message
                    == "a served log row of feature service 'ranking' has 2 keys and 5 features; its layout has 2 and 6"
            )
            #expect(try store.servedLogRows(Self.layout).isEmpty)
            try store.writeServedLog([(layout: Self.layout, rows: good)])
            #expect(try store.servedLogRows(Self.layout).count == 5)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func outcomesAndTheLatestPerRequestMatchTheReference(backend: StoreBackend) async throws {
        try await backend.run { stores in
            for seed in UInt64(0)..<4 {
                var random = SplitMix64(seed: seed)
                let store = try stores.store("outcomes")
                #expect(try store.outcomes().isEmpty)
                #expect(try store.latestOutcomes().isEmpty)
                var written: [LoggedOutcome] = []
                for _ in 0..<Int.random(in: 1...6, using: &random) {
                    let batch = (0..<Int.random(in: 1...80, using: &random)).map { _ in
                        LoggedOutcome(
                            requestID: "r\(Int.random(in: 0..<15, using: &random))",
                            // Few distinct times: ties are broken by the order written.
                            eventTime: Timestamp(
                                microseconds: Self.base.microseconds + Int64.random(in: -2...2, using: &random)),
                            values: (0..<Int.random(in: 1...2, using: &random)).map { _ in
                                let value: FeatureValue =
                                    switch Int.random(in: 0..<5, using: &random) {
                                    case 0: .int64(Int64(bitPattern: random.next()))
                                    case 1: .float64(Double.random(in: -1...1, using: &random))
                                    case 2: .float64(-0.0)
                                    case 3: .string("s\(random.next() % 10)")
                                    default: .bool(Bool.random(using: &random))
                                    }
                                return .init(
                                    name: ["prediction", "label"].randomElement(using: &random)!, value: value)
                            })
                    }
                    try store.writeOutcomes(batch, receivedAt: Self.base)
                    written += batch
                }
                let flat = written.flatMap { outcome in
                    outcome.values.map {
                        LoggedOutcome(
                            requestID: outcome.requestID, eventTime: outcome.eventTime,
                            values: [.init(name: $0.name, value: $0.value.asStoredInSQLite)])
                    }
                }
                #expect(try store.outcomes() == flat, "seed \(seed)")
                var latest: [String: [String: (time: Timestamp, value: FeatureValue)]] = [:]
                for outcome in flat {
                    let value = outcome.values[0]
                    if let earlier = latest[outcome.requestID]?[value.name], earlier.time > outcome.eventTime {
                        continue
                    }
                    latest[outcome.requestID, default: [:]][value.name] = (outcome.eventTime, value.value)
                }
                #expect(try store.latestOutcomes() == latest.mapValues { $0.mapValues(\.value) }, "seed \(seed)")
            }
            // A null outcome is refused, and its batch is not written.
            let store = try stores.store("outcomes-null")
            let error = try #require(throws: FeatureStoreError.self) {
                try store.writeOutcomes(
                    [
                        LoggedOutcome(
                            requestID: "a", eventTime: Self.base, values: [.init(name: "x", value: .int64(1))]),
                        LoggedOutcome(requestID: "b", eventTime: Self.base, values: [.init(name: "y", value: .null)]),
                    ], receivedAt: Self.base)
            }
            #expect(error.message == "outcome 'y' of request 'b' is null; omit a value that is not known")
            #expect(try store.outcomes().isEmpty)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func aPruneDeletesWholeUTCDays(backend: StoreBackend) async throws {
        try await backend.run { stores in
            var random = SplitMix64(seed: 9)
            let store = try stores.store("served-prune")
            let other = ServedLogLayout(service: "other", keys: Self.layout.keys, features: [])
            let day = 24 * Self.hour
            // Rows one microsecond either side of midnights, over four days.
            let offsets: [Int64] = [-1, 0, 1, day - 1, day, day + 1, 2 * day - 1, 2 * day, 3 * day + 5]
            let times = offsets.map { Timestamp(microseconds: Self.base.microseconds + $0) }
            let rows = times.enumerated().map { Self.row(Self.layout, at: $1, $0, &random) }
            let otherRows = times.enumerated().map { Self.row(other, at: $1, $0, &random) }
            try store.writeServedLog([(layout: Self.layout, rows: rows), (layout: other, rows: otherRows)])
            try store.writeOutcomes(
                times.map {
                    LoggedOutcome(requestID: "r", eventTime: $0, values: [.init(name: "label", value: .int64(1))])
                }, receivedAt: Self.base)
            let before = OfflineStore.startOfDay(Timestamp(microseconds: Self.base.microseconds + day + 7))
            #expect(before.microseconds == Self.base.microseconds + day)
            let one = try store.pruneServedLog(service: "ranking", before: before)
            #expect(one.rows == ["ranking": 4])
            #expect(one.outcomes == 0)
            #expect(try store.servedLogRows(Self.layout).map(\.logTimestamp) == Array(times.dropFirst(4)))
            #expect(try store.servedLogRows(other).count == times.count)
            #expect(try store.pruneServedLog(service: "nobody", before: before).rows.isEmpty)
            let later = Timestamp(microseconds: Self.base.microseconds + 2 * day)
            let all = try store.pruneServedLog(service: nil, before: later)
            #expect(all.rows == ["ranking": 3, "other": 7])
            #expect(all.outcomes == 7)
            #expect(try store.servedLogRows(other).map(\.logTimestamp) == Array(times.suffix(2)))
            #expect(try store.outcomes().map(\.eventTime) == Array(times.suffix(2)))
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func consistencyRunsKeepTheLatestPerService(backend: StoreBackend) async throws {
        try await backend.run { stores in
            let store = try stores.store("consistency")
            #expect(try store.latestConsistencyRuns().isEmpty)
            func figures(_ view: String, _ feature: String, _ checked: Int, mae: Double?) -> ServedConsistencyFigures {
                ServedConsistencyFigures(
                    view: view, feature: feature, checked: checked, mismatches: checked / 2, missing: 1, extra: 2,
                    late: 3, meanAbsoluteError: mae, smape: mae.map { $0 / 2 })
            }
            let early = ServedConsistencyRun(
                service: "ranking", runAt: Self.base, from: nil, to: Self.base,
                features: [figures("v", "a", 10, mae: 0.5)])
            let late = ServedConsistencyRun(
                service: "ranking", runAt: Timestamp(microseconds: Self.base.microseconds + 1), from: Self.base,
                to: nil,
                features: [
                    figures("v", "b", 4, mae: nil), figures("v", "a", 7, mae: .greatestFiniteMagnitude),
                    figures("V", "a", 1, mae: 0),
                ])
            let other = ServedConsistencyRun(
                service: "alpha", runAt: Self.base, from: nil, to: nil, features: [figures("w", "x", 0, mae: nil)])
            for run in [late, early, other] { try store.saveConsistencyRun(run) }
            // Saved again at the same microsecond: replaced.
            var replaced = late
            replaced.features[1].checked = 9
            try store.saveConsistencyRun(replaced)
            var expected = replaced
            expected.features.sort { ($0.view, $0.feature) < ($1.view, $1.feature) }
            #expect(try store.latestConsistencyRuns() == [other, expected])
        }
    }

    /// Writers on several machines at once (each its own connection), starting on an empty
    /// schema: they race to create the log, outcomes and profile tables and to add a column, and
    /// every batch is written whole, none lost, each batch's rows in order.
    @Test func concurrentWritersOnPostgresLoseNothing() async throws {
        try await StoreBackend.postgres.run { stores in
            let first = try stores.store("served-concurrent")
            let settings = try #require((first as? PostgresOfflineStore)?.settings)
            let password = stores.server?.password
            let writers = 4
            let failures = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: writers) { writer in
                var random = SplitMix64(seed: UInt64(writer))
                do {
                    let store = try PostgresOfflineStore(settings: settings, password: password)
                    for batch in 0..<6 {
                        let layout = batch < 3 ? Self.layout : Self.grown
                        let rows = (0..<50).map {
                            Self.row(layout, at: Self.base, writer * 1000 + batch * 100 + $0, &random)
                        }
                        try store.writeServedLog([(layout: layout, rows: rows)])
                        try store.writeOutcomes(
                            [
                                LoggedOutcome(
                                    requestID: "w\(writer)", eventTime: Self.base,
                                    values: [.init(name: "n", value: .int64(Int64(batch)))])
                            ], receivedAt: Self.base)
                    }
                } catch {
                    failures.withLock { $0.append("writer \(writer): \(error)") }
                }
            }
            let problems = failures.withLock { $0 }
            #expect(problems.isEmpty, "\(problems)")
            let rows = try first.servedLogRows(Self.grown)
            #expect(rows.count == writers * 6 * 50)
            let expected = (0..<6).flatMap { batch in (0..<50).map { batch * 100 + $0 } }
            for writer in 0..<writers {
                let mine = rows.compactMap { row -> Int? in
                    guard let number = Int(row.requestID.dropFirst()), number / 1000 == writer else { return nil }
                    return number % 1000
                }
                #expect(mine == expected, "writer \(writer)")
            }
            let latest = try first.latestOutcomes()
            for writer in 0..<writers { #expect(latest["w\(writer)"]?["n"] == .int64(5)) }
            let profile = try first.storedProfile(
                of: .served(service: "ranking"), feature: ProfiledFeature(view: "stats", feature: "rate"))
            #expect(profile?.profile.count == Int64(rows.count))
        }
    }

    /// PostgreSQL keeps 63 bytes of a name: a log whose table, index or column would be cut is
    /// refused, naming what is too long, and nothing is written.
    @Test func namesPostgreSQLWouldCutAreRefused() async throws {
        try await StoreBackend.postgres.run { stores in
            var random = SplitMix64(seed: 1)
            let store = try stores.store("served-names")
            let fits = ServedLogLayout(
                service: String(repeating: "s", count: 40), keys: Self.layout.keys,
                features: [
                    .init(
                        view: String(repeating: "v", count: 20), feature: String(repeating: "f", count: 30),
                        type: .int64)
                ])
            try store.writeServedLog([(layout: fits, rows: [Self.row(fits, at: Self.base, 1, &random)])])
            #expect(try store.servedLogRows(fits).count == 1)
            var long = fits
            long.service += "s"
            let error = try #require(throws: FeatureStoreError.self) {
                try store.writeServedLog([(layout: long, rows: [Self.row(long, at: Self.base, 1, &random)])])
            }
            #expect(
                error.message.hasPrefix(
                    "feature service '\(long.service)' (41 bytes) is too long a name for a served log in the PostgreSQL offline store: its log would need an index named served_log_\(long.service)__request_id (64 bytes)"
                ), "\(error.message)")
            #expect(error.message.hasSuffix("Give the service a name of at most 40 bytes"))
            var wide = fits
            wide.features[0].feature += "f"
            let column = try #require(throws: FeatureStoreError.self) {
                try store.writeServedLog([(layout: wide, rows: [Self.row(wide, at: Self.base, 1, &random)])])
            }
            #expect(
                column.message.hasPrefix(
                    "the served log of feature service '\(fits.service)' would have column '\(wide.features[0].timestampColumn)' (64 bytes)"
                ), "\(column.message)")
            #expect(try store.servedLogRows(fits).count == 1)
        }
    }

    /// A value its column's PostgreSQL type cannot hold is refused, never converted.
    @Test func aValueOfTheWrongTypeIsRefusedOnPostgres() async throws {
        try await StoreBackend.postgres.run { stores in
            var random = SplitMix64(seed: 2)
            let store = try stores.store("served-types")
            var row = Self.row(Self.layout, at: Self.base, 1, &random)
            row.keys[0] = .string("seven")
            let error = try #require(throws: FeatureStoreError.self) {
                try store.writeServedLog([(layout: Self.layout, rows: [row])])
            }
            #expect(error.code == .invalidInput)
            #expect(error.message.contains("string value 'seven' in column 'driver_id'"), "\(error.message)")
            #expect(try store.servedLogRows(Self.layout).isEmpty)
        }
    }
}
