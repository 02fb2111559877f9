import Foundation
import Testing

@testable import FeatureStoreKit

/// Windowed aggregates in training sets and online, both against one brute-force reference.
@Suite struct WindowedAggregateTests {
    static let windows = ["10m", "1h", "1d", "7d"]

    static var definitions: String {
        var aggregations = ""
        for function in AggregationFunction.allCases {
            for window in windows {
                for column in ["amount", "qty", "merchant"] {
                    let type: ValueType = column == "amount" ? .float64 : column == "qty" ? .int64 : .string
                    guard function.acceptedTypes.contains(type) else { continue }
                    aggregations +=
                        "      - {column: \(column), function: \(function.rawValue), window: \(window), name: \(column)_\(function.rawValue)_\(window)}\n"
                }
            }
        }
        return """
            entities:
              - name: user
                join_keys: [{name: user_id, value_type: int64}]
            sources:
              - name: txns
                kind: csv
                path: txns.csv
                timestamp_field: ts
                schema: {user_id: int64, ts: timestamp, amount: float64, qty: int64, merchant: string}
            feature_views:
              - name: spend
                entities: [user]
                source: txns
                lateness: 1h
                aggregations:

            """ + aggregations
    }

    struct Event {
        var user: Int64
        var time: Int64
        var amount: Double?
        var qty: Int64?
        var merchant: String?
    }

    static let now: Int64 = 1_767_225_600_000_000  // 2026-01-01T00:00:00Z

    /// Times on tile edges, window edges and in between.
    static func randomTime(_ rng: inout SplitMix64) -> Int64 {
        let edges: [Int64] = [
            60_000_000, 300_000_000, 600_000_000, 3_600_000_000, 21_600_000_000, 86_400_000_000, 604_800_000_000,
        ]
        switch rng.next() % 4 {
        case 0: return now - edges[Int(rng.next() % 7)] + [Int64(0), -1, 1][Int(rng.next() % 3)]
        case 1: return now - Int64(rng.next() % 3_600_000_000)
        default: return now - Int64(rng.next() % (9 * 86_400_000_000))
        }
    }

    /// The definition: `function` over the user's events with `t - window <= time < t`, nulls skipped.
    static func reference(_ aggregation: Aggregation, _ events: [Event], at t: Int64) -> FeatureValue {
        let inWindow = events.filter { $0.time >= t - aggregation.window.microseconds && $0.time < t }.sorted {
            $0.time < $1.time
        }
        let values: [FeatureValue] = inWindow.compactMap { event in
            switch aggregation.column {
            case "amount": event.amount.map(FeatureValue.float64)
            case "qty": event.qty.map(FeatureValue.int64)
            default: event.merchant.map(FeatureValue.string)
            }
        }
        let numbers = values.map(\.numeric)
        switch aggregation.function {
        case .count: return .int64(Int64(values.count))
        case .sum:
            return aggregation.inputType == .int64
                ? .int64(values.reduce(0) { if case .int64(let v) = $1 { $0 + v } else { $0 } })
                : .float64(numbers.reduce(0, +))
        case .avg: return values.isEmpty ? .null : .float64(numbers.reduce(0, +) / Double(values.count))
        case .stddev:
            guard values.count > 1 else { return .null }
            let mean = numbers.reduce(0, +) / Double(numbers.count)
            return .float64(
                (numbers.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(numbers.count - 1)).squareRoot())
        case .min: return values.min { $0.isOrdered(before: $1) } ?? .null
        case .max: return values.max { $0.isOrdered(before: $1) } ?? .null
        case .last: return values.last ?? .null
        case .countDistinct: return .int64(Int64(Set(values).count))
        }
    }

    static func matches(_ actual: Any?, _ expected: FeatureValue) -> Bool {
        switch expected {
        case .null: return actual == nil || actual is NSNull
        case .int64(let v): return (actual as? NSNumber)?.int64Value == v
        case .float64(let v):
            guard let x = (actual as? NSNumber)?.doubleValue else { return false }
            return abs(x - v) <= 1e-9 * max(1, abs(x), abs(v))
        case .string(let v): return actual as? String == v
        default: return false
        }
    }

    static func close(_ a: FeatureValue, _ b: FeatureValue) -> Bool {
        if case .float64(let x) = a, case .float64(let y) = b { return abs(x - y) <= 1e-9 * max(1, abs(x), abs(y)) }
        return a == b
    }

    /// A repo with random events ingested, and the events.
    static func repo(seed: UInt64) throws -> (String, [Event]) {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("fs-windows-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try "project: windows\n".write(toFile: path + "/feature_store.yaml", atomically: true, encoding: .utf8)
        try definitions.write(toFile: path + "/repo.yaml", atomically: true, encoding: .utf8)
        var rng = SplitMix64(seed: seed)
        var seen: Set<[Int64]> = []
        var events: [Event] = []
        for _ in 0..<500 {
            let user = Int64(rng.next() % 4)
            let time = randomTime(&rng)
            guard seen.insert([user, time]).inserted else { continue }
            events.append(
                Event(
                    user: user, time: time,
                    amount: rng.next() % 8 == 0 ? nil : Double(Int64(rng.next() % 100_000) - 20_000) / 100,
                    qty: rng.next() % 8 == 0 ? nil : Int64(rng.next() % 10),
                    merchant: rng.next() % 8 == 0 ? nil : ["a", "b", "c", "d", "e"][Int(rng.next() % 5)]))
        }
        var csv = "user_id,ts,amount,qty,merchant\n"
        for event in events.shuffled(using: &rng) {
            csv +=
                "\(event.user),\(Timestamp(microseconds: event.time).rfc3339),\(event.amount.map { "\($0)" } ?? ""),\(event.qty.map { "\($0)" } ?? ""),\(event.merchant ?? "")\n"
        }
        try csv.write(toFile: path + "/txns.csv", atomically: true, encoding: .utf8)
        let store = try FeatureStore(repo: path)
        _ = try store.apply()
        _ = try store.ingest(source: "txns", file: path + "/txns.csv")
        return (path, events)
    }

    @Test(arguments: 0..<6)
    func trainingSetMatchesTheReference(seed: UInt64) throws {
        let (repo, events) = try Self.repo(seed: seed)
        var rng = SplitMix64(seed: seed &+ 1000)
        var spine = "user_id,event_timestamp\n"
        var rows: [(Int64, Int64)] = []
        for _ in 0..<150 {
            let user = Int64(rng.next() % 5)  // User 4 has no events.
            var time = rng.next() % 3 == 0 ? events[Int(rng.next() % UInt64(events.count))].time : Self.randomTime(&rng)
            if rng.next() % 5 == 0 { time += [600_000_000, 3_600_000_000, 86_400_000_000][Int(rng.next() % 3)] }  // At t - w.
            if rng.next() % 20 == 0 { time = Self.now - 30 * 86_400_000_000 }  // Before any data.
            rows.append((user, time))
            spine += "\(user),\(Timestamp(microseconds: time).rfc3339)\n"
        }
        rows.append(rows[0])  // A duplicate spine row.
        spine += "\(rows[0].0),\(Timestamp(microseconds: rows[0].1).rfc3339)\n"
        try spine.write(toFile: repo + "/spine.csv", atomically: true, encoding: .utf8)
        let store = try FeatureStore(repo: repo)
        let view = try #require(try store.snapshot().definitions.featureView("spend"))
        _ = try store.trainingSet(
            spine: repo + "/spine.csv", features: .references([FeatureReference(view: "spend", feature: "*")]),
            output: repo + "/out.jsonl")
        let lines = try String(contentsOfFile: repo + "/out.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == rows.count)
        for (line, (user, time)) in zip(lines, rows) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let userEvents = events.filter { $0.user == user }
            for aggregation in view.aggregations {
                let expected = Self.reference(aggregation, userEvents, at: time)
                #expect(
                    Self.matches(object[aggregation.name], expected),
                    "user \(user) at \(Timestamp(microseconds: time)): \(aggregation.name) = \(String(describing: object[aggregation.name])), expected \(expected)"
                )
            }
        }
    }

    @Test(arguments: 0..<4)
    func onlineValuesMatchTheReferenceAtNow(seed: UInt64) throws {
        let (repo, events) = try Self.repo(seed: seed)
        let store = try FeatureStore(repo: repo, clock: { Timestamp(microseconds: Self.now) })
        let report = try store.materializeIncremental(to: Timestamp(microseconds: Self.now))
        #expect(report.views.first?.view == "spend")
        let users: [FeatureValue] = (0..<5).map { .int64($0) }
        let response = try store.getOnlineFeatures(
            references: [FeatureReference(view: "spend", feature: "*")],
            entities: EntityRows(columns: [("user_id", users)]))
        let view = try #require(try store.snapshot().definitions.featureView("spend"))
        for (index, aggregation) in view.aggregations.enumerated() {
            let column = response.columns[index + 1]
            for user in 0..<5 {
                let expected = Self.reference(aggregation, events.filter { $0.user == Int64(user) }, at: Self.now)
                #expect(
                    Self.close(column[user].value, expected),
                    "user \(user): \(aggregation.name) online \(column[user].value), expected \(expected)")
            }
        }
    }
}
