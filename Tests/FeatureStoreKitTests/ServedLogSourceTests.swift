import Foundation
import Testing

@testable import FeatureStoreKit
@testable import OfflineStoreSQLite

/// A `served_log` source in training sets: a snapshot view and windowed aggregates over a
/// service's log with its outcomes, against a brute-force reference over random logs; on both
/// offline stores (on PostgreSQL the log, its outcomes and the source's query live in PostgreSQL).
@Suite struct ServedLogSourceTests {
    static let definitions = """
        entities:
          - name: driver
            join_keys: [{name: driver_id, value_type: int64}]
        sources:
          - name: stats
            kind: push
            timestamp_field: ts
            schema: {driver_id: int64, ts: timestamp, rate: float64, city: string}
          - name: ranking_log
            kind: served_log
            service: s
            schema: {prediction: float64, label: int64}
        feature_views:
          - name: v
            entities: [driver]
            source: stats
            features: [rate, city]
          - name: served
            entities: [driver]
            source: ranking_log
            ttl: 1h
            online: false
            features: [v__rate, v__city, v__rate__status, __request_id, prediction, label]
          - name: outcomes_1h
            entities: [driver]
            source: ranking_log
            online: false
            aggregations:
              - {column: prediction, function: avg, window: 1h, name: prediction_avg_1h}
              - {column: label, function: sum, window: 1d, name: label_sum_1d}
              - {column: v__rate, function: count, window: 1h, name: rates_1h}
        feature_services:
          - name: s
            features: ["v:*"]
            logging: {sample_rate: 1}

        """

    static let now: Int64 = 1_767_225_600_000_000  // 2026-01-01T00:00:00Z

    struct LogRow {
        var driver: Int64
        var time: Int64
        var request: String
        /// As logged: NaN is logged too (SQLite stores it as null).
        var rate: Double?
        var city: String?
        var status: FeatureStatus
        /// Write order (the log's arrival number).
        var order = 0
    }

    struct Outcome {
        var request: String
        var name: String
        var time: Int64
        var value: FeatureValue
        /// Write order.
        var order: Int
    }

    static func repo(_ repos: OfflineRepos, project: String = "served") throws -> (String, FeatureStore) {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("fs-served-source-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try repos.config(project: project).write(
            toFile: path + "/feature_store.yaml", atomically: true, encoding: .utf8)
        try definitions.write(toFile: path + "/repo.yaml", atomically: true, encoding: .utf8)
        let store = try repos.open(path)
        _ = try store.apply()
        return (path, store)
    }

    /// Random log rows: several drivers per request, same-microsecond and same-second rows,
    /// nulls and NaN, written out of time order.
    static func randomLog(_ rng: inout SplitMix64) -> [LogRow] {
        var rows: [LogRow] = []
        var request = 0
        while rows.count < 300 {
            request += 1
            let time: Int64 =
                rng.next() % 6 == 0 && !rows.isEmpty
                ? rows[Int(rng.next() % UInt64(rows.count))].time + [Int64(0), 1, 999_999][Int(rng.next() % 3)]
                : now - Int64(rng.next() % (2 * 86_400_000_000))
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let kind = rng.next() % 10
                let rate: Double? =
                    kind == 0 ? nil : kind == 1 ? Double.nan : Double(Int64(rng.next() % 20_000) - 5_000) / 100
                rows.append(
                    LogRow(
                        driver: Int64(rng.next() % 4), time: time, request: "r\(request)", rate: rate,
                        city: rng.next() % 5 == 0 ? nil : ["oslo", "lima", "pune"][Int(rng.next() % 3)],
                        status: kind == 0 ? .notFound : .present))
            }
        }
        return rows
    }

    /// Random outcomes: several per request and name (the latest by event time wins; of equal
    /// times, the one written last), late ones, early ones, ties, and some for unknown requests.
    static func randomOutcomes(_ rng: inout SplitMix64, requests: Int) -> [Outcome] {
        var outcomes: [Outcome] = []
        for index in 0..<500 {
            let request = rng.next() % 12 == 0 ? "unknown\(index)" : "r\(1 + rng.next() % UInt64(requests))"
            let name = rng.next() % 2 == 0 ? "prediction" : "label"
            let value: FeatureValue =
                name == "label"
                ? .int64(Int64(rng.next() % 3))
                : rng.next() % 4 == 0 ? .int64(Int64(rng.next() % 5)) : .float64(Double(rng.next() % 1000) / 1000)
            // Late (days after the log), early, or at a shared time (ties broken by write order).
            let time =
                rng.next() % 4 == 0
                ? now - 86_400_000_000
                : now - Int64(rng.next() % (3 * 86_400_000_000))
                    + Int64(rng.next() % 2) * 5 * 86_400_000_000
            outcomes.append(Outcome(request: request, name: name, time: time, value: value, order: index))
        }
        return outcomes
    }

    /// The latest outcome `name` of `request`: greatest event time, then written last.
    static func latest(_ outcomes: [Outcome], _ request: String, _ name: String) -> FeatureValue {
        outcomes.filter { $0.request == request && $0.name == name }.max { ($0.time, $0.order) < ($1.time, $1.order) }?
            .value ?? .null
    }

    static func logged(_ rate: Double?) -> FeatureValue {
        guard let rate, !rate.isNaN else { return .null }
        return .float64(rate)
    }

    static func matches(_ actual: Any?, _ expected: FeatureValue) -> Bool {
        switch expected {
        case .null: return actual == nil || actual is NSNull
        case .int64(let v):
            return (actual as? NSNumber)?.int64Value == v && (actual as? NSNumber)?.doubleValue == Double(v)
        case .float64(let v):
            guard let x = (actual as? NSNumber)?.doubleValue else { return false }
            return abs(x - v) <= 1e-9 * max(1, abs(x), abs(v))
        case .string(let v): return actual as? String == v
        default: return false
        }
    }

    /// Writes `rows` (in a shuffled order, in a few batches) and `outcomes` (in their order).
    static func write(
        _ rows: inout [LogRow], _ outcomes: [Outcome], store: FeatureStore, rng: inout SplitMix64
    ) throws {
        let layout = try store.servedLogLayout(service: "s")
        #expect(layout.features.map(\.column) == ["v__rate", "v__city"])
        let offline = try store.offlineStore()
        rows.shuffle(using: &rng)
        for index in rows.indices { rows[index].order = index }
        for start in stride(from: 0, to: rows.count, by: 70) {
            let batch = rows[start..<min(start + 70, rows.count)].map { row in
                ServedLogRow(
                    keys: [.int64(row.driver)],
                    values: [
                        OnlineValue(
                            value: row.rate.map(FeatureValue.float64) ?? .null, status: row.status,
                            eventTime: row.rate == nil ? nil : Timestamp(microseconds: row.time - 60_000_000)),
                        OnlineValue(
                            value: row.city.map(FeatureValue.string) ?? .null,
                            status: row.city == nil ? .nullValue : .present,
                            eventTime: Timestamp(microseconds: row.time - 60_000_000)),
                    ], logTimestamp: Timestamp(microseconds: row.time), requestID: row.request, serviceVersion: 1)
            }
            try offline.writeServedLog([(layout, batch)])
        }
        for start in stride(from: 0, to: outcomes.count, by: 50) {
            try offline.writeOutcomes(
                outcomes[start..<min(start + 50, outcomes.count)].map {
                    LoggedOutcome(
                        requestID: $0.request, eventTime: Timestamp(microseconds: $0.time),
                        values: [.init(name: $0.name, value: $0.value)])
                }, receivedAt: Timestamp(microseconds: now))
        }
    }

    @Test func theSourceHasTheLogsColumnsAndItsOutcomes() throws {
        let (_, store) = try Self.repo(OfflineRepos(server: nil))
        let source = try #require(try store.snapshot().definitions.source("ranking_log"))
        let layout = try store.servedLogLayout(service: "s")
        #expect(source.schema.map(\.name) == layout.columnNames + ["prediction", "label"])
        #expect(source.timestampField == ServedLogLayout.logTimestampColumn)
        let served = try #require(try store.snapshot().definitions.featureView("served"))
        #expect(served.features.map(\.type) == [.float64, .string, .string, .string, .float64, .int64])
    }

    @Test(arguments: OfflineBackend.allCases)
    func trainingSetMatchesTheReference(backend: OfflineBackend) async throws {
        try await backend.run { repos in
            for seed in UInt64(0)..<5 { try Self.checkTrainingSet(seed: seed, repos) }
        }
    }

    static func checkTrainingSet(seed: UInt64, _ repos: OfflineRepos) throws {
        let (repo, store) = try Self.repo(repos, project: "served\(seed)")
        var rng = SplitMix64(seed: seed)
        var rows = Self.randomLog(&rng)
        let requests = Set(rows.map(\.request)).count
        let outcomes = Self.randomOutcomes(&rng, requests: requests)
        try Self.write(&rows, outcomes, store: store, rng: &rng)

        // The spine: every logged row (the next training set from what the model saw), and
        // random points, some before every row.
        var spine: [(driver: Int64, time: Int64)] = rows.map { ($0.driver, $0.time) }
        for _ in 0..<120 {
            spine.append((Int64(rng.next() % 5), Self.now - Int64(rng.next() % (3 * 86_400_000_000))))
        }
        var text = "driver_id,event_timestamp\n"
        for row in spine { text += "\(row.driver),\(Timestamp(microseconds: row.time).rfc3339)\n" }
        try text.write(toFile: repo + "/spine.csv", atomically: true, encoding: .utf8)
        _ = try store.trainingSet(
            spine: repo + "/spine.csv",
            features: .references([
                FeatureReference(view: "served", feature: "*"), FeatureReference(view: "outcomes_1h", feature: "*"),
            ]), output: repo + "/out.jsonl")
        let lines = try String(contentsOfFile: repo + "/out.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == spine.count)
        let hour: Int64 = 3_600_000_000
        for (line, point) in zip(lines, spine) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let mine = rows.filter { $0.driver == point.driver }
            // Snapshot: the latest row in [t - 1h, t], of equal times the one logged last.
            let row = mine.filter { $0.time <= point.time && $0.time >= point.time - hour }.max {
                ($0.time, $0.order) < ($1.time, $1.order)
            }
            let expected: [String: FeatureValue] = [
                "v__rate": Self.logged(row?.rate), "v__city": row?.city.map(FeatureValue.string) ?? .null,
                "v__rate__status": row.map { .string($0.status.rawValue) } ?? .null,
                "__request_id": row.map { .string($0.request) } ?? .null,
                "prediction": row.map { Self.latest(outcomes, $0.request, "prediction") } ?? .null,
                "label": row.map { Self.latest(outcomes, $0.request, "label") } ?? .null,
            ]
            // Aggregates: rows with t - w <= time < t, nulls skipped.
            let lastHour = mine.filter { $0.time >= point.time - hour && $0.time < point.time }
            let lastDay = mine.filter { $0.time >= point.time - 24 * hour && $0.time < point.time }
            let predictions: [Double] = lastHour.compactMap {
                switch Self.latest(outcomes, $0.request, "prediction") {
                case .float64(let v): v
                case .int64(let v): Double(v)
                default: nil
                }
            }
            let labels: [Int64] = lastDay.compactMap {
                if case .int64(let v) = Self.latest(outcomes, $0.request, "label") { v } else { nil }
            }
            var all = expected
            all["prediction_avg_1h"] =
                predictions.isEmpty ? .null : .float64(predictions.reduce(0, +) / Double(predictions.count))
            all["label_sum_1d"] = .int64(labels.reduce(0, +))
            all["rates_1h"] = .int64(Int64(lastHour.filter { Self.logged($0.rate) != .null }.count))
            for (name, value) in all {
                #expect(
                    Self.matches(object[name], value),
                    "seed \(seed), driver \(point.driver) at \(Timestamp(microseconds: point.time)): \(name) = \(String(describing: object[name])), expected \(value)"
                )
            }
        }
    }

    @Test(arguments: OfflineBackend.allCases)
    func anOutcomeOfTheWrongTypeIsAnErrorUntilCorrected(backend: OfflineBackend) async throws {
        try await backend.run { try Self.checkWrongOutcomeType($0) }
    }

    static func checkWrongOutcomeType(_ repos: OfflineRepos) throws {
        let (repo, store) = try Self.repo(repos)
        var rng = SplitMix64(seed: 7)
        var rows = [
            LogRow(driver: 1, time: Self.now - 1000, request: "a", rate: 0.5, city: "oslo", status: .present),
            LogRow(driver: 2, time: Self.now - 1000, request: "b", rate: 0.5, city: "oslo", status: .present),
        ]
        let outcomes = [
            // Superseded: never read, so never an error.
            Outcome(request: "a", name: "label", time: Self.now - 10, value: .string("yes"), order: 0),
            Outcome(request: "a", name: "label", time: Self.now, value: .float64(0.5), order: 1),
            // For a request this log does not hold: not this source's business.
            Outcome(request: "zzz", name: "label", time: Self.now, value: .string("no"), order: 2),
        ]
        try Self.write(&rows, outcomes, store: store, rng: &rng)
        try "driver_id,event_timestamp\n1,2026-01-01T00:00:00Z\n".write(
            toFile: repo + "/spine.csv", atomically: true, encoding: .utf8)
        let features = TrainingSetFeatures.references([FeatureReference(view: "served", feature: "label")])
        let error = try #require(throws: FeatureStoreError.self) {
            try store.trainingSet(spine: repo + "/spine.csv", features: features, output: repo + "/out.csv")
        }
        #expect(error.code == .invalidInput)
        #expect(
            error.message.hasPrefix(
                "served_log source 'ranking_log': the latest outcome 'label' of request 'a' is float64 '0.5', but the source's schema declares 'label' as int64."
            ), "\(error.message)")
        #expect(!FileManager.default.fileExists(atPath: repo + "/out.csv"))
        // An int64 beyond 2^53 in a float64 column would be rounded: refused too.
        try store.offlineStore().writeOutcomes(
            [
                LoggedOutcome(
                    requestID: "a", eventTime: Timestamp(microseconds: Self.now + 1),
                    values: [.init(name: "label", value: .int64(1))]),
                LoggedOutcome(
                    requestID: "b", eventTime: Timestamp(microseconds: Self.now),
                    values: [.init(name: "prediction", value: .int64(1 << 60))]),
            ], receivedAt: Timestamp(microseconds: Self.now))
        let rounded = try #require(throws: FeatureStoreError.self) {
            try store.trainingSet(spine: repo + "/spine.csv", features: features, output: repo + "/out.csv")
        }
        #expect(rounded.message.contains("outcome 'prediction' of request 'b' is int64 '1152921504606846976'"))
        try store.offlineStore().writeOutcomes(
            [
                LoggedOutcome(
                    requestID: "b", eventTime: Timestamp(microseconds: Self.now + 1),
                    values: [.init(name: "prediction", value: .int64(3))])
            ], receivedAt: Timestamp(microseconds: Self.now))
        _ = try store.trainingSet(spine: repo + "/spine.csv", features: features, output: repo + "/out.csv")
        #expect(
            try String(contentsOfFile: repo + "/out.csv", encoding: .utf8)
                == "driver_id,event_timestamp,label\n1,2026-01-01T00:00:00Z,1\n")
    }

    @Test(arguments: OfflineBackend.allCases)
    func aServiceThatLoggedNothingYetHasNoRowsAndIngestIsRefused(backend: OfflineBackend) async throws {
        try await backend.run { try Self.checkNothingLogged($0) }
    }

    static func checkNothingLogged(_ repos: OfflineRepos) throws {
        let (repo, store) = try Self.repo(repos)
        try "driver_id,event_timestamp\n1,2026-01-01T00:00:00Z\n".write(
            toFile: repo + "/spine.csv", atomically: true, encoding: .utf8)
        let result = try store.trainingSet(
            spine: repo + "/spine.csv", features: .references([FeatureReference(view: "served", feature: "*")]),
            output: repo + "/out.csv")
        #expect(result.matched["served"] == 0)
        let error = try #require(throws: FeatureStoreError.self) {
            try store.ingest(source: "ranking_log", file: repo + "/spine.csv")
        }
        #expect(error.message.hasPrefix("source 'ranking_log' is of kind served_log"))
    }
}
