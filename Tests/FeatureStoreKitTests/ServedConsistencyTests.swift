import Foundation
import OfflineStoreSQLite
import Testing

@testable import FeatureStoreKit

/// `fs consistency` against a brute-force reference: random histories (same-second events, exact
/// duplicates, rows created long after their event time) and random served logs (right values,
/// values the server saw before late rows arrived, nulls, one-ulp differences, values of other
/// rows, unknown entities, log times one microsecond either side of events and of the ttl
/// boundary). Every feature's checked, mismatch, missing, extra and late counts, its MAE and SMAPE
/// equal the reference's, and the stored run equals the report; on both offline stores.
@Suite struct ServedConsistencyTests {
    static let base = Timestamp.parse("2026-05-01T00:00:00Z")!
    static let minute: Int64 = 60_000_000
    static let ttl: Int64 = 120 * minute

    static func repo(_ repos: OfflineRepos, project: String = "consistency") throws -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent(
            "fs-served-consistency-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try repos.config(project: project).write(
            toFile: path + "/feature_store.yaml", atomically: true, encoding: .utf8)
        let text = """
            entities:
              - {name: driver, join_keys: [{name: driver_id, value_type: int64}]}
            sources:
              - name: stats
                kind: csv
                path: stats.csv
                timestamp_field: ts
                created_timestamp_field: created
                schema: {driver_id: int64, ts: timestamp, created: timestamp, rate: float64, trips: int64}
            feature_views:
              - {name: driver_stats, entities: [driver], source: stats, ttl: 2h, features: [rate, trips]}
            feature_services:
              - name: ranking
                features: ["driver_stats:*"]
                logging: {sample_rate: 1}
            """
        try text.write(toFile: path + "/repo.yaml", atomically: true, encoding: .utf8)
        return path
    }

    struct HistoryRow {
        var driver: Int64
        var event: Int64
        var created: Int64
        var rate: Double
        var trips: Int64
        var arrival: Int
    }

    static func time(_ microseconds: Int64) -> String { Timestamp(microseconds: microseconds).rfc3339 }

    /// The offline value the reference expects: the row with the driver's key, `t - ttl <= event <= t`,
    /// the greatest (event, created, arrival).
    static func truth(_ history: [HistoryRow], driver: Int64, at t: Int64) -> HistoryRow? {
        history.filter { $0.driver == driver && $0.event <= t && $0.event >= t - ttl }.max {
            ($0.event, $0.created, $0.arrival) < ($1.event, $1.created, $1.arrival)
        }
    }

    struct Expected {
        var checked = 0
        var mismatches = 0
        var missing = 0
        var extra = 0
        var late = 0
        var errors: [(Double, Double)] = []
    }

    @Test(arguments: OfflineBackend.allCases)
    func figuresEqualTheBruteForceReference(backend: OfflineBackend) async throws {
        try await backend.run { repos in
            for seed in UInt64(0)..<24 { try Self.checkFigures(seed: seed, repos) }
        }
    }

    static func checkFigures(seed: UInt64, _ repos: OfflineRepos) throws {
        var random = SplitMix64(seed: seed)
        let repo = try Self.repo(repos, project: "consistency\(seed)")
        let store = try repos.open(repo, clock: { Self.base.addingClamped(.days(2)) })
        try store.apply()
        // History: events on a 10-minute grid over 6 hours (so log times meet them exactly), some
        // exact duplicates and same-second events, some created long after the event (late).
        var history: [HistoryRow] = []
        for batch in 0..<3 {
            var lines = ["driver_id,ts,created,rate,trips"]
            for _ in 0..<Int.random(in: 5...40, using: &random) {
                let driver = Int64.random(in: 1...4, using: &random)
                let event = Self.base.microseconds + Int64.random(in: 0...36, using: &random) * 10 * Self.minute
                let created =
                    event
                    + [0, 0, Self.minute, 90 * Self.minute, 300 * Self.minute].randomElement(using: &random)!
                let row = HistoryRow(
                    driver: driver, event: event, created: created,
                    rate: [0.1, 0.2, 0.30000000000000004, 0.3, -0.0, 1e300].randomElement(using: &random)!,
                    trips: [Int64.min, -1, 0, 7, Int64.max].randomElement(using: &random)!, arrival: history.count)
                history.append(row)
                lines.append(
                    "\(driver),\(Self.time(event)),\(Self.time(created)),\(row.rate),\(row.trips)")
                if Int.random(in: 0..<5, using: &random) == 0 {
                    // An exact duplicate (the later arrival wins a full tie: same values anyway),
                    // or the same second with other values.
                    var twin = row
                    twin.arrival = history.count
                    if Bool.random(using: &random) {
                        twin.rate += 1
                        twin.trips = 3
                    }
                    history.append(twin)
                    lines.append(
                        "\(driver),\(Self.time(event)),\(Self.time(created)),\(twin.rate),\(twin.trips)")
                }
            }
            let file = repo + "/batch\(batch).csv"
            try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            _ = try store.ingest(source: "stats", file: file)
        }
        // -0.0 is stored (and so read offline) as 0.0.
        for index in history.indices where history[index].rate == 0 { history[index].rate = 0 }
        let layout = try store.servedLogLayout(service: "ranking")
        #expect(layout.features.map(\.feature) == ["rate", "trips"])
        var logRows: [ServedLogRow] = []
        var expected = [Expected(), Expected()]
        for index in 0..<Int.random(in: 20...120, using: &random) {
            let driver = Int64.random(in: 1...5, using: &random)  // 5 has no history
            let t =
                Self.base.microseconds + Int64.random(in: 0...42, using: &random) * 10 * Self.minute
                + [0, 0, 1, -1].randomElement(using: &random)!
            let truth = Self.truth(history, driver: driver, at: t)
            // What the server knew at t: only rows created by then.
            let known = Self.truth(history.filter { $0.created <= t }, driver: driver, at: t)
            var values: [OnlineValue] = []
            for feature in 0..<2 {
                func value(_ row: HistoryRow?) -> FeatureValue {
                    guard let row else { return .null }
                    return feature == 0 ? .float64(row.rate) : .int64(row.trips)
                }
                let served: FeatureValue
                switch Int.random(in: 0..<7, using: &random) {
                case 0, 1: served = value(truth)
                case 2: served = value(known)
                case 3: served = .null
                case 4: served = value(history.randomElement(using: &random))
                case 5:
                    if case .float64(let v) = value(truth) {
                        served = .float64(v.nextUp)
                    } else {
                        served = value(truth)
                    }
                default: served = feature == 0 ? .float64(Double(index)) : .int64(Int64(index))
                }
                values.append(
                    OnlineValue(
                        value: served, status: served.isNull ? .notFound : .present,
                        eventTime: served.isNull ? nil : Timestamp(microseconds: t)))
                // The reference's classification.
                let offline = value(truth)
                expected[feature].checked += 1
                if served == offline {
                    if let a = served.number, let b = offline.number { expected[feature].errors.append((a, b)) }
                    continue
                }
                if let truth, truth.created > t {
                    expected[feature].late += 1
                    continue
                }
                if let a = served.number, let b = offline.number { expected[feature].errors.append((a, b)) }
                expected[feature].mismatches += 1
                if served.isNull {
                    expected[feature].missing += 1
                } else if offline.isNull {
                    expected[feature].extra += 1
                }
            }
            logRows.append(
                ServedLogRow(
                    keys: [.int64(driver)], values: values, logTimestamp: Timestamp(microseconds: t),
                    requestID: "req-\(index)", serviceVersion: 1))
        }
        try store.offlineStore().writeServedLog([(layout: layout, rows: logRows)])

        let report = try store.servedConsistency(ServedConsistencyRequest(service: "ranking", examples: 1_000))
        #expect(report.rows == logRows.count)
        for (index, result) in report.features.enumerated() {
            let figures = result.figures
            let reference = expected[index]
            #expect(figures.checked == reference.checked, "\(figures.feature)")
            #expect(figures.mismatches == reference.mismatches, "\(figures.feature)")
            #expect(figures.missing == reference.missing, "\(figures.feature)")
            #expect(figures.extra == reference.extra, "\(figures.feature)")
            #expect(figures.late == reference.late, "\(figures.feature)")
            #expect(result.examples.count == reference.mismatches)
            let finite = reference.errors.filter { abs($0.0 - $0.1).isFinite }
            if finite.isEmpty {
                #expect(figures.meanAbsoluteError == nil)
            } else {
                let mae = finite.map { abs($0.0 - $0.1) }.reduce(0, +) / Double(finite.count)
                let smape =
                    finite.map { a, b in
                        let scale = (abs(a) + abs(b)) / 2
                        return scale == 0 ? 0 : min(2, abs(a - b) / scale)
                    }.reduce(0, +) / Double(finite.count)
                #expect(figures.meanAbsoluteError == mae, "\(figures.feature)")
                #expect(figures.smape == smape, "\(figures.feature)")
            }
        }
        let mismatches = expected.reduce(0) { $0 + $1.mismatches }
        #expect(report.passed == (mismatches == 0))
        let stored = try store.offlineStore().latestConsistencyRuns()
        #expect(stored.count == 1)
        #expect(stored.first?.features == report.features.map(\.figures))
    }

    @Test func theEqualityIsExactButNaNIsNaN() {
        #expect(FeatureValue.float64(0.1 + 0.2).isSameValue(as: .float64(0.3)) == false)
        #expect(FeatureValue.float64(.nan).isSameValue(as: .float64(.nan)))
        #expect(FeatureValue.float64(-0.0).isSameValue(as: .float64(0)))
        #expect(FeatureValue.int64(1).isSameValue(as: .float64(1)) == false)
        #expect(FeatureValue.null.isSameValue(as: .null))
        #expect(FeatureValue.null.isSameValue(as: .string("")) == false)
    }

    @Test(arguments: OfflineBackend.allCases)
    func aDoubleRoundTripsThroughTheLogExactly(backend: OfflineBackend) async throws {
        try await backend.run { try Self.checkDoubles($0) }
    }

    static func checkDoubles(_ repos: OfflineRepos) throws {
        let store = try repos.open(Self.repo(repos), clock: { Self.base })
        try store.apply()
        let layout = try store.servedLogLayout(service: "ranking")
        var random = SplitMix64(seed: 3)
        let doubles: [Double] =
            [0.1 + 0.2, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -.leastNormalMagnitude, 1 / 3]
            + (0..<200).map { _ in Double(bitPattern: random.next() & 0x7FEF_FFFF_FFFF_FFFF) }
        let rows = doubles.enumerated().map { index, value in
            ServedLogRow(
                keys: [.int64(Int64(index))],
                values: [
                    OnlineValue(value: .float64(value), status: .present, eventTime: Self.base),
                    OnlineValue(value: .int64(Int64.min + Int64(index)), status: .present, eventTime: Self.base),
                ], logTimestamp: Self.base, requestID: "r", serviceVersion: 1)
        }
        try store.offlineStore().writeServedLog([(layout: layout, rows: rows)])
        let read = try store.offlineStore().servedLogRows(layout)
        #expect(read.map { $0.values[0].value } == doubles.map { FeatureValue.float64($0) })
        #expect(read.map { $0.values[1].value } == rows.map { $0.values[1].value })
    }
}
