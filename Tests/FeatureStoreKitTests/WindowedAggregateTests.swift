import Foundation
import PostgresClient
import PostgresTestSupport
import SQLite
import Testing

@testable import FeatureStoreKit
@testable import OfflineStoreSQLite

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
        let timed: [(time: Int64, value: FeatureValue)] = inWindow.compactMap { event in
            let value: FeatureValue? =
                switch aggregation.column {
                case "amount": event.amount.map(FeatureValue.float64)
                case "qty": event.qty.map(FeatureValue.int64)
                default: event.merchant.map(FeatureValue.string)
                }
            return value.map { (event.time, $0) }
        }
        let values = timed.map(\.value)
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
        case .last:
            // The latest event; among events of the same time, the greatest value (order-free).
            return timed.max {
                ($0.time, 0) < ($1.time, 0) || ($0.time == $1.time && $0.value.isOrdered(before: $1.value))
            }?
            .value ?? .null
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
    static func repo(seed: UInt64, _ repos: OfflineRepos) throws -> (String, [Event]) {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("fs-windows-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try repos.config(project: "windows\(seed)").write(
            toFile: path + "/feature_store.yaml", atomically: true, encoding: .utf8)
        try definitions.write(toFile: path + "/repo.yaml", atomically: true, encoding: .utf8)
        var rng = SplitMix64(seed: seed)
        // Same-second events of one user and exact duplicates are all distinct events (issue 9,
        // finding 1: ingest used to store them once).
        var events: [Event] = []
        for _ in 0..<500 {
            if let last = events.last, rng.next() % 10 == 0 {
                events.append(last)
                continue
            }
            let user = Int64(rng.next() % 4)
            let time = rng.next() % 8 == 0 ? (events.last?.time ?? randomTime(&rng)) : randomTime(&rng)
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
        let store = try repos.open(path)
        _ = try store.apply()
        _ = try store.ingest(source: "txns", file: path + "/txns.csv")
        return (path, events)
    }

    @Test(arguments: OfflineBackend.allCases)
    func trainingSetMatchesTheReference(backend: OfflineBackend) async throws {
        try await backend.run { repos in
            for seed in UInt64(0)..<6 { try Self.checkTrainingSet(seed: seed, repos) }
        }
    }

    static func checkTrainingSet(seed: UInt64, _ repos: OfflineRepos) throws {
        let (repo, events) = try Self.repo(seed: seed, repos)
        var rng = SplitMix64(seed: seed &+ 1000)
        var spine = "user_id,event_timestamp\n"
        var rows: [(Int64, Int64)] = []
        for _ in 0..<150 {
            let user = Int64(rng.next() % 5)  // User 4 has no events.
            var time = rng.next() % 3 == 0 ? events[Int(rng.next() % UInt64(events.count))].time : Self.randomTime(&rng)
            // At t - w.
            if rng.next() % 5 == 0 { time += [600_000_000, 3_600_000_000, 86_400_000_000][Int(rng.next() % 3)] }
            if rng.next() % 20 == 0 { time = Self.now - 30 * 86_400_000_000 }  // Before any data.
            rows.append((user, time))
            spine += "\(user),\(Timestamp(microseconds: time).rfc3339)\n"
        }
        rows.append(rows[0])  // A duplicate spine row.
        spine += "\(rows[0].0),\(Timestamp(microseconds: rows[0].1).rfc3339)\n"
        try spine.write(toFile: repo + "/spine.csv", atomically: true, encoding: .utf8)
        let store = try repos.open(repo)
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
                    "seed \(seed), user \(user) at \(Timestamp(microseconds: time)): \(aggregation.name) = \(String(describing: object[aggregation.name])), expected \(expected)"
                )
            }
        }
    }

    @Test(arguments: OfflineBackend.allCases)
    func onlineValuesMatchTheReferenceAtNow(backend: OfflineBackend) async throws {
        try await backend.run { repos in
            for seed in UInt64(0)..<4 { try Self.checkOnlineValues(seed: seed, repos) }
        }
    }

    static func checkOnlineValues(seed: UInt64, _ repos: OfflineRepos) throws {
        let (repo, events) = try Self.repo(seed: seed, repos)
        let store = try repos.open(repo, clock: { Timestamp(microseconds: Self.now) })
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
                    "seed \(seed), user \(user): \(aggregation.name) online \(column[user].value), expected \(expected)"
                )
            }
        }
    }
}

/// The edges both ways agree on: int64 and float64 extremes, `-0.0`, same-microsecond ties, and
/// NaN or infinities in the history. Offline (the training-set sweep) == online (tiles and edges) ==
/// the brute-force reference, which follows the shared rules (``AggregateState``).
@Suite struct AggregateEdgeTests {
    static let now: Int64 = 1_767_225_600_000_000  // 2026-01-01T00:00:00Z
    static let integers: [Int64] = [.max, .min, .max - 1, .min + 1, 0, 1, -1, 1 << 62, -(1 << 62), 1000]
    static let floats: [Double] = [
        0, -0.0, 1.5, -2.25, 1e-300, .leastNonzeroMagnitude, 1e300, -1e300, 1e308, -1e308,
        .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 0x1p500, -0x1p500,
    ]
    static let columns = [
        Feature(name: "qty", type: .int64), Feature(name: "amount", type: .float64),
        Feature(name: "merchant", type: .string),
    ]
    static let aggregations: [Aggregation] = AggregationFunction.allCases.flatMap { function in
        [TimeSpan.minutes(10), .hours(1), .days(1), .days(7)].flatMap { window in
            columns.filter { function.acceptedTypes.contains($0.type) }.map { column in
                Aggregation(
                    column: column.name, function: function, window: window,
                    name: "\(column.name)_\(function.rawValue)_\(window)", inputType: column.type)
            }
        }
    }

    struct Event {
        var time: Int64
        var created: Int64
        var values: [FeatureValue]
    }

    /// The definition with the shared rules; `nil` when the result is beyond its type.
    static func reference(_ aggregation: Aggregation, _ events: [Event], at t: Int64) -> FeatureValue? {
        let column = columns.firstIndex { $0.name == aggregation.column }!
        let present = events.filter {
            $0.time >= t - aggregation.window.microseconds && $0.time < t && !$0.values[column].isNull
        }
        let values = present.map { $0.values[column] }
        let integers = values.reduce(Int128(0)) { if case .int64(let v) = $1 { $0 + Int128(v) } else { $0 } }
        let numbers = values.map(\.numeric)
        let huge = numbers.contains { $0.magnitude >= 0x1p959 }
        switch aggregation.function {
        case .count: return .int64(Int64(values.count))
        case .sum:
            if aggregation.inputType == .int64 { return Int64(exactly: integers).map(FeatureValue.int64) }
            let sum = exactSum(numbers.map { huge ? $0 * 0x1p-64 : $0 }) * (huge ? 0x1p64 : 1)
            return sum.isFinite ? .float64(sum) : nil
        case .avg:
            guard !values.isEmpty else { return .null }
            if aggregation.inputType == .int64 { return .float64(Double(integers) / Double(values.count)) }
            return .float64(
                exactSum(numbers.map { huge ? $0 * 0x1p-64 : $0 }) / Double(values.count) * (huge ? 0x1p64 : 1))
        case .stddev:
            guard values.count > 1 else { return .null }
            let scaled = numbers.contains { $0.magnitude >= 0x1p448 }
            let xs = numbers.map { scaled ? $0 * 0x1p-576 : $0 }
            let mean = exactSum(xs) / Double(xs.count)
            let deviation = (exactSum(xs.map { ($0 - mean) * ($0 - mean) }) / Double(xs.count - 1)).squareRoot()
            let result = scaled ? deviation * 0x1p576 : deviation
            return result.isFinite ? .float64(result) : nil
        case .min: return values.min { $0.isOrdered(before: $1) } ?? .null
        case .max: return values.max { $0.isOrdered(before: $1) } ?? .null
        case .last:
            return present.max { a, b in
                (a.time, a.created) != (b.time, b.created)
                    ? (a.time, a.created) < (b.time, b.created) : a.values[column].isOrdered(before: b.values[column])
            }?.values[column] ?? .null
        case .countDistinct: return .int64(Int64(Set(values).count))
        }
    }

    /// Shewchuk's exact partials (as Python's `math.fsum`), rounded at the end.
    static func exactSum(_ values: [Double]) -> Double {
        var partials: [Double] = []
        for value in values {
            var x = value
            var kept: [Double] = []
            for partial in partials {
                var y = partial
                if abs(x) < abs(y) { swap(&x, &y) }
                let high = x + y
                let low = y - (high - x)
                if low != 0 { kept.append(low) }
                x = high
            }
            partials = kept + [x]
        }
        return partials.reversed().reduce(0, +)
    }

    /// Equal, but for float rounding in proportion to the magnitudes summed.
    static func agrees(
        _ actual: FeatureValue?, _ expected: FeatureValue?, _ aggregation: Aggregation, _ events: [Event]
    )
        -> Bool
    {
        guard let actual, let expected else { return actual == nil && expected == nil }
        if case .float64(let x) = actual, case .float64(let y) = expected,
            [.sum, .avg, .stddev].contains(aggregation.function)
        {
            let column = columns.firstIndex { $0.name == aggregation.column }!
            let magnitudes = events.reduce(0.0) { $0 + $1.values[column].numeric.magnitude }  // may be inf
            let largest = events.reduce(0.0) { max($0, $1.values[column].numeric.magnitude) }
            let allowed =
                1e-9 * max(1, abs(x), abs(y))
                + (aggregation.function == .stddev ? 1e-12 * largest : 0x1p-80 * magnitudes)
            return x.isFinite && (x - y).magnitude <= allowed
        }
        return actual == expected && actual.isNegativeZero == expected.isNegativeZero
    }

    /// One entity's events and the times to evaluate at, with many ties on (time, created).
    static func randomCase(_ rng: inout SplitMix64) -> (events: [Event], times: [Int64]) {
        var events: [Event] = []
        for _ in 0..<(4 + Int(rng.next() % 10)) {
            let time =
                !events.isEmpty && rng.next() % 3 == 0
                ? events.randomElement(using: &rng)!.time : now - Int64(rng.next() % UInt64(8 * 86_400_000_000))
            func maybe(_ value: FeatureValue) -> FeatureValue { rng.next() % 7 == 0 ? .null : value }
            events.append(
                Event(
                    time: time, created: Int64(rng.next() % 2),
                    values: [
                        maybe(.int64(integers[Int(rng.next() % UInt64(integers.count))])),
                        maybe(.float64(floats[Int(rng.next() % UInt64(floats.count))])),
                        maybe(.string(["a", "b", "c"][Int(rng.next() % 3)])),
                    ]))
        }
        let times = ((0..<6).map { _ in now - Int64(rng.next() % 3_600_000_000) } + [now]).sorted()
        return (events, times)
    }

    /// The training-set sweep at each of `times`: a value, or `nil` where it reports a result beyond
    /// the type (the sweep stops there; it resumes at the next time).
    static func offline(_ aggregation: Aggregation, _ events: [Event], times: [Int64]) throws -> [FeatureValue?] {
        let sorted = events.sorted { ($0.time, $0.created) < ($1.time, $1.created) }
        var group = WindowedAggregates.EventGroup(
            times: sorted.map(\.time), created: sorted.map(\.created),
            columns: columns.map { WindowedAggregates.ColumnValues(type: $0.type) })
        for event in sorted {
            for index in columns.indices { try group.columns[index].append(event.values[index]) }
        }
        var results: [FeatureValue?] = []
        var rest = times
        while !rest.isEmpty {
            do {
                let values = try WindowedAggregates.evaluate(
                    group, times: rest, aggregations: [aggregation], columns: columns)
                results += values[0].map { Optional($0) }
                rest = []
            } catch let error as WindowedAggregates.OutOfRange {
                if error.position > 0 {
                    let done = try WindowedAggregates.evaluate(
                        group, times: Array(rest.prefix(error.position)), aggregations: [aggregation], columns: columns)
                    results += done[0].map { Optional($0) }
                }
                results.append(nil)
                rest = Array(rest.dropFirst(error.position + 1))
            }
        }
        return results
    }

    @Test(arguments: 0..<12)
    func extremesAgreeOfflineOnlineAndBruteForce(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let view = FeatureView(
            name: "edges", entities: ["user"], source: "s", aggregations: Self.aggregations, lateness: .hours(1))
        let layout = AggregateLayout(view: view, generation: 1)
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("fs-edges-\(UUID().uuidString)")
        let store = try OnlineStore(path: path)
        for _ in 0..<6 {
            let (events, times) = Self.randomCase(&rng)
            let user = Int64(rng.next() % 1_000_000)
            let online = events.enumerated().map { index, event in
                AggregateEvent(
                    key: [.int64(user)], id: Int64(index), time: Timestamp(microseconds: event.time),
                    created: Timestamp(microseconds: event.created),
                    values: layout.columns.map { name in event.values[Self.columns.firstIndex { $0.name == name }!] })
            }
            try store.addEvents(online.shuffled(using: &rng), layout: layout, now: Timestamp(microseconds: Self.now))
            let names = Self.aggregations.map(\.name)
            for time in times {
                let row = try store.readAggregates(
                    [[.int64(user)]], layout: layout, features: names, now: Timestamp(microseconds: time))[0]
                for (aggregation, read) in zip(Self.aggregations, row) {
                    // Out of range online: null (a sum is never null otherwise; stddev asked alone).
                    var onlineValue: FeatureValue? = read.value
                    if aggregation.function == .sum, read.value.isNull { onlineValue = nil }
                    if aggregation.function == .stddev, read.value.isNull {
                        var summary = AggregateReadSummary()
                        _ = try store.readAggregates(
                            [[.int64(user)]], layout: layout, features: [aggregation.name],
                            now: Timestamp(microseconds: time), summary: &summary)
                        if summary.outOfRange > 0 { onlineValue = nil }
                    }
                    let expected = Self.reference(aggregation, events, at: time)
                    let inWindow = events.filter { $0.time >= time - aggregation.window.microseconds && $0.time < time }
                    #expect(
                        Self.agrees(onlineValue, expected, aggregation, inWindow),
                        "online \(aggregation.name) at \(time): \(String(describing: onlineValue)) vs \(String(describing: expected))"
                    )
                }
            }
            for aggregation in Self.aggregations {
                let offline = try Self.offline(aggregation, events, times: times)
                for (position, time) in times.enumerated() {
                    let expected = Self.reference(aggregation, events, at: time)
                    let inWindow = events.filter { $0.time >= time - aggregation.window.microseconds && $0.time < time }
                    #expect(
                        Self.agrees(offline[position], expected, aggregation, inWindow),
                        "offline \(aggregation.name) at \(time): \(String(describing: offline[position])) vs \(String(describing: expected))"
                    )
                }
            }
        }
    }

    /// A repo whose history holds `rows` (`user_id,ts,qty,amount`) and aggregates them.
    static func repo(_ rows: String, _ repos: OfflineRepos) throws -> (String, FeatureStore) {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("fs-edge-repo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try repos.config(project: "edges").write(
            toFile: path + "/feature_store.yaml", atomically: true, encoding: .utf8)
        try """
        entities:
          - name: user
            join_keys: [{name: user_id, value_type: int64}]
        sources:
          - name: txns
            kind: csv
            path: txns.csv
            timestamp_field: ts
            schema: {user_id: int64, ts: timestamp, qty: int64, amount: float64}
        feature_views:
          - name: spend
            entities: [user]
            source: txns
            aggregations:
              - {column: qty, function: sum, window: 1h}
              - {column: amount, function: sum, window: 1h}

        """.write(toFile: path + "/repo.yaml", atomically: true, encoding: .utf8)
        try ("user_id,ts,qty,amount\n" + rows).write(toFile: path + "/txns.csv", atomically: true, encoding: .utf8)
        let store = try repos.open(path)
        _ = try store.apply()
        _ = try store.ingest(source: "txns", file: path + "/txns.csv")
        try "user_id,event_timestamp\n1,2026-01-01T00:00:00Z\n2,2026-01-01T00:00:00Z\n".write(
            toFile: path + "/spine.csv", atomically: true, encoding: .utf8)
        return (path, store)
    }

    /// An int64 sum beyond int64 fails the training set, naming the spine row, view, feature and
    /// entity, and nothing is written; online it is null.
    @Test(arguments: OfflineBackend.allCases)
    func anInt64SumBeyondInt64FailsTheTrainingSet(backend: OfflineBackend) async throws {
        try await backend.run { repos in try Self.checkInt64Overflow(repos) }
    }

    static func checkInt64Overflow(_ repos: OfflineRepos) throws {
        let (path, store) = try Self.repo(
            "1,2025-12-31T23:10:00Z,9223372036854775807,1\n1,2025-12-31T23:20:00Z,1,1\n2,2025-12-31T23:20:00Z,5,1\n",
            repos)
        do {
            _ = try store.trainingSet(
                spine: path + "/spine.csv", features: .references([FeatureReference(view: "spend", feature: "*")]),
                output: path + "/out.csv")
            Issue.record("the training set was written with a wrapped sum")
        } catch let error as FeatureStoreError {
            #expect(error.code == .invalidInput)
            for part in [
                "spine.csv:2", "feature 'qty_sum_1h' of view 'spend'", "user_id=1", "9223372036854775808",
                "beyond the int64 range",
            ] {
                #expect(error.message.contains(part), "\(error.message) should contain \(part)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: path + "/out.csv"))
    }

    /// NaN or an infinity in the history (written before entry points refused them, or by another
    /// program) is an error naming the view, column and entity, not a silently wrong aggregate.
    @Test(arguments: OfflineBackend.allCases)
    func nonFiniteHistoryIsAnError(backend: OfflineBackend) async throws {
        try await backend.run { repos in try Self.checkNonFiniteHistory(repos) }
    }

    static func checkNonFiniteHistory(_ repos: OfflineRepos) throws {
        let (path, store) = try Self.repo("1,2025-12-31T23:10:00Z,1,1.5\n", repos)
        if let server = repos.server {
            let schema = repos.schema(project: "edges")
            let session = PostgresSession(settings: server.settings(schema: schema), password: server.password)
            defer { session.close() }
            let table = try #require(
                try session.query(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = '\(schema)' AND table_name LIKE 'history_txns%'"
                ).first?.text(0))
            try session.query("UPDATE \(quoteIdentifier(schema)).\(quoteIdentifier(table)) SET amount = 'Infinity'")
        } else {
            let database = try Database(path: path + "/.fs/offline.db")
            let table = try #require(
                try database.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'history_txns%'").firstText())
            try database.execute("UPDATE \(quoteIdentifier(table)) SET amount = 9e999")
        }
        do {
            _ = try store.trainingSet(
                spine: path + "/spine.csv", features: .references([FeatureReference(view: "spend", feature: "*")]),
                output: path + "/out.csv")
            Issue.record("an infinite amount was aggregated")
        } catch let error as FeatureStoreError {
            #expect(error.code == .invalidInput)
            for part in ["'spend'", "'amount'", "inf", "finite"] {
                #expect(error.message.contains(part), "\(error.message) should contain \(part)")
            }
        }
    }
}

extension FeatureValue {
    fileprivate var isNegativeZero: Bool {
        if case .float64(let v) = self { return v == 0 && v.sign == .minus }
        return false
    }
}

extension Statement {
    /// The first column of the first row, as text.
    fileprivate func firstText() throws -> String? { try step() ? text(0) : nil }
}
