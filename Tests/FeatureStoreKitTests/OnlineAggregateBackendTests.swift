import Foundation
import PostgresTestSupport
import Testing

@testable import FeatureStoreKit

/// The windowed-aggregate state of every online store (``OnlineAggregateStore``: RocksDB, one
/// Redis, a 3-master Redis Cluster) against a brute-force reference over randomized events: many
/// in the same second and microsecond, exact re-deliveries, later versions by created time and by
/// arrival (int64 extremes among them) with other times and values, events too late, concurrent
/// writers, int64 values whose sums leave int64, and NaN/infinities refused.
@Suite struct OnlineAggregateBackendTests {
    static let now: Int64 = 1_750_000_000_000_000
    static let day: Int64 = 86_400_000_000

    static let aggregations: [Aggregation] =
        AggregationFunction.allCases.flatMap { function in
            [TimeSpan.minutes(7), .hours(1), .days(1), .days(7)].flatMap { window in
                ["amount", "merchant", "points"].compactMap { column in
                    let type: ValueType = column == "amount" ? .float64 : column == "points" ? .int64 : .string
                    guard function.acceptedTypes.contains(type) else { return nil }
                    return Aggregation(
                        column: column, function: function, window: window,
                        name: "\(function.rawValue)_\(column)_\(window)", inputType: type)
                }
            }
        }

    static let view = FeatureView(
        name: "txn", entities: ["user"], source: "s", aggregations: aggregations, lateness: .hours(1))
    static let layout = AggregateLayout(view: view, generation: 1)
    /// `count` of `amount` over 7 days.
    static let countName = aggregations.first {
        $0.function == .count && $0.column == "amount" && $0.window == .days(7)
    }!
    .name

    /// A time that stresses edges: window bounds, tile boundaries, `now` itself, the cutoff.
    static func randomTime(_ now: Int64, _ rng: inout SplitMix64) -> Int64 {
        let cutoff = now - layout.retention.microseconds
        switch rng.next() % 7 {
        case 0: return now - [60_000_000, 420_000_000, 3_600_000_000, day, 7 * day][Int(rng.next() % 5)]
        case 1:
            let level = TileLevels.lengths[Int(rng.next() % 5)]
            return max(cutoff, (now / level - Int64(rng.next() % 50)) * level + [Int64(0), -1, 1][Int(rng.next() % 3)])
        case 2: return now - Int64(rng.next() % 3)
        case 3: return cutoff + Int64(rng.next() % 2)
        default: return now - Int64(rng.next() % UInt64(7 * day + 3_600_000_000))
        }
    }

    static func randomValues(_ rng: inout SplitMix64) -> [FeatureValue] {
        // Columns in the layout's order.
        layout.columns.map { column in
            if rng.next() % 10 == 0 { return .null }
            switch column {
            case "amount": return .float64(Double(Int64(rng.next() % 20_000) - 5_000) / 100)
            case "merchant": return .string(["m1", "m2", "m3", "m4"][Int(rng.next() % 4)])
            default:
                return .int64(
                    rng.next() % 6 == 0
                        ? (rng.next() % 2 == 0 ? .max - Int64(rng.next() % 3) : .min) : Int64(rng.next() % 100))
            }
        }
    }

    /// The reference: per (entity, id), the version the offline history keeps (later created
    /// time, then later version); then each aggregation by brute force over the kept events.
    static func reference(_ aggregation: Aggregation, events: [AggregateEvent], at now: Int64) -> FeatureValue {
        let column = layout.columns.firstIndex(of: aggregation.column)!
        let present = events.filter {
            $0.time.microseconds >= now - aggregation.window.microseconds && $0.time.microseconds < now
                && !$0.values[column].isNull
        }
        let values = present.map { $0.values[column] }
        let exact = values.reduce(Int128(0)) { if case .int64(let v) = $1 { $0 + Int128(v) } else { $0 } }
        let float = values.reduce(0.0) { $0 + $1.numeric }
        switch aggregation.function {
        case .count: return .int64(Int64(values.count))
        case .sum:
            if aggregation.inputType == .int64 { return Int64(exactly: exact).map(FeatureValue.int64) ?? .null }
            return .float64(float)
        case .avg:
            if values.isEmpty { return .null }
            if aggregation.inputType == .int64 { return .float64(Double(exact) / Double(values.count)) }
            return .float64(float / Double(values.count))
        case .stddev:
            guard values.count > 1 else { return .null }
            let mean = (aggregation.inputType == .int64 ? Double(exact) : float) / Double(values.count)
            let squares = values.reduce(0.0) { $0 + ($1.numeric - mean) * ($1.numeric - mean) }
            return .float64((squares / Double(values.count - 1)).squareRoot())
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

    static func close(_ a: FeatureValue, _ b: FeatureValue) -> Bool {
        if case .float64(let x) = a, case .float64(let y) = b {
            return x == y || abs(x - y) <= 1e-9 * max(1, abs(x), abs(y))
        }
        return a == b
    }

    /// Reads every aggregation of `users` at `at` (async, or the synchronous variant off the
    /// pool) and compares with the reference over `kept`.
    static func expectMatches(
        _ store: any OnlineAggregateStore, kept: [AggregateEvent], users: [Int64], at: Int64, synchronously: Bool,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let keys: [[FeatureValue]] = users.map { [.int64($0)] }
        let names = layout.aggregations.map(\.name)
        let time = Timestamp(microseconds: at)
        let rows =
            synchronously
            ? try await offPool {
                try store.readAggregatesSynchronously(keys, layout: layout, features: names, now: time)
            }
            : try await store.readAggregates(keys, layout: layout, features: names, now: time)
        #expect(rows.count == users.count, sourceLocation: sourceLocation)
        for (user, row) in zip(users, rows) {
            let events = kept.filter { $0.key == [.int64(user)] }
            for (aggregation, value) in zip(layout.aggregations, row) {
                var expected = reference(aggregation, events: events, at: at)
                // A float stddev beyond float64 is null online (out of range); the reference is inf.
                if case .float64(let x) = expected, !x.isFinite { expected = .null }
                #expect(
                    close(value.value, expected),
                    "user \(user) \(aggregation.name) at now\(at - now >= 0 ? "+" : "")\(at - now)us: \(value.value) vs \(expected)",
                    sourceLocation: sourceLocation)
                #expect(value.status == (value.value.isNull ? .nullValue : .present), sourceLocation: sourceLocation)
            }
        }
    }

    /// Seeds 6 and 7 put `now` far from today (±2^60 microseconds, ±36,000 years), where Redis's
    /// double scores are 256 microseconds apart: the exact times must still decide.
    @Test(arguments: BackendKind.allCases, 0..<8)
    func stateMatchesTheBruteForceReference(kind: BackendKind, seed: UInt64) async throws {
        try await kind.run { backend in
            let store = try #require(backend.aggregates)
            var rng = SplitMix64(seed: seed &+ 0x5EED)
            let base: Int64 = seed < 6 ? Self.now : seed == 6 ? 1 << 60 : -(1 << 60)
            let now = base + Int64(rng.next() % UInt64(Self.day))
            let cutoff = now - Self.layout.retention.microseconds
            #expect(try await offPool { try store.aggregateStateIsEmpty(Self.layout) })
            // Versions within the retention: unique arrival numbers, except exact re-deliveries.
            var arrivals: Int64 = 0
            func arrival() -> Int64 {
                arrivals += 1
                switch rng.next() % 8 {
                case 0: return .max - arrivals
                case 1: return .min + arrivals
                default: return arrivals
                }
            }
            var versions: [AggregateEvent] = []
            var timeOfID: [[Int64]: Int64] = [:]
            // Versions of one source's events either all keep their event's time or may move.
            let shares = seed % 2 == 0
            for _ in 0..<240 {
                let user = Int64(rng.next() % 4)
                let id = Int64(rng.next() % 90) - 45
                let earlier = versions.filter { $0.key == [.int64(user)] && $0.id == id }
                if let same = earlier.randomElement(using: &rng), rng.next() % 4 == 0 {
                    versions.append(same)  // A re-delivery: a duplicate.
                    continue
                }
                // Some events share their time with another (same microsecond) or keep their id's.
                var time = Self.randomTime(now, &rng)
                if !versions.isEmpty, rng.next() % 4 == 0 {
                    time = versions.randomElement(using: &rng)!.time.microseconds
                }
                if shares { time = timeOfID[[user, id]] ?? time }
                timeOfID[[user, id]] = time
                versions.append(
                    AggregateEvent(
                        key: [.int64(user)], id: id, version: arrival(), time: Timestamp(microseconds: time),
                        created: Timestamp(microseconds: Int64(rng.next() % 3)), values: Self.randomValues(&rng),
                        versionsShareTime: shares))
            }
            // What the state keeps: the winner per (entity, id).
            var winners: [[Int64]: AggregateEvent] = [:]
            for version in versions {
                let key = [Self.user(version), version.id]
                if let held = winners[key], (held.created, held.version) >= (version.created, version.version) {
                    continue
                }
                winners[key] = version
            }
            // Too late: new events older than the cutoff, and later versions of stored events that
            // are too old (they remove the stored version).
            var late: [AggregateEvent] = []
            for index in 0..<6 {
                late.append(
                    AggregateEvent(
                        key: [.int64(Int64(index % 4))], id: 1_000 + Int64(index), version: 1,
                        time: Timestamp(microseconds: cutoff - 1 - Int64(rng.next() % UInt64(Self.day))),
                        created: Timestamp(microseconds: 0), values: Self.randomValues(&rng)))
            }
            let victims = Array(winners.values).sorted(by: { ($0.id, Self.user($0)) < ($1.id, Self.user($1)) })
                .prefix(shares ? 0 : 3)
            for victim in victims {
                var beat = victim
                beat.created = Timestamp(microseconds: 10)
                beat.time = Timestamp(microseconds: cutoff - 1)
                beat.versionsShareTime = false
                late.append(beat)
                winners[[Self.user(victim), victim.id]] = nil
            }
            let kept = Array(winners.values)

            // Concurrent writers (async) for half the batches, then the synchronous path.
            let shuffled = versions.shuffled(using: &rng)
            let half = shuffled.count / 2
            var batches: [[AggregateEvent]] = []
            var start = 0
            while start < half {
                let size = 1 + Int(rng.next() % 40)
                batches.append(Array(shuffled[start..<min(half, start + size)]))
                start += size
            }
            let time = Timestamp(microseconds: now)
            let summaries = try await withThrowingTaskGroup(of: AggregateWriteSummary.self) { group in
                for batch in batches {
                    group.addTask { try await store.addEvents(batch, layout: Self.layout, now: time) }
                }
                return try await group.reduce(into: [AggregateWriteSummary]()) { $0.append($1) }
            }
            let rest = Array(shuffled[half...])
            let second = try await offPool { try store.addEventsSynchronously(rest, layout: Self.layout, now: time) }
            let tooLate = late
            let last = try await offPool { try store.addEventsSynchronously(tooLate, layout: Self.layout, now: time) }
            #expect(!(try await offPool { try store.aggregateStateIsEmpty(Self.layout) }))
            let all = summaries + [second, last]
            #expect(all.reduce(0) { $0 + $1.late } == late.count)
            #expect(last.replaced == victims.count)
            // Every version added is applied or a duplicate (nothing else is late).
            #expect(
                all.reduce(0) { $0 + $1.applied + $1.duplicates } == versions.count,
                "applied and duplicates of \(versions.count) versions")
            try await offPool { try store.expireAggregates(layout: Self.layout, now: time) }
            let users: [Int64] = [0, 1, 2, 3, 99]
            for (index, at) in [now, now - 3_600_000_000, now + 600_000_000, now - 1].enumerated() {
                try await Self.expectMatches(store, kept: kept, users: users, at: at, synchronously: index % 2 == 1)
            }
            // Adding everything again changes nothing (but versions of an event a late version
            // removed: the state forgot it, as documented on ``AggregateEvent``).
            let removed = Set(victims.map { [Self.user($0), $0.id] })
            let again = try await store.addEvents(
                versions.filter { !removed.contains([Self.user($0), $0.id]) }, layout: Self.layout, now: time)
            #expect(again.applied == 0)
            try await Self.expectMatches(store, kept: kept, users: users, at: now, synchronously: false)
        }
    }

    static func user(_ event: AggregateEvent) -> Int64 {
        if case .int64(let user) = event.key[0] { return user }
        return -1
    }

    /// NaN and infinities are refused with the view and column named, and nothing of the batch
    /// is written, on every store.
    @Test(arguments: BackendKind.allCases)
    func nonFiniteValuesAreRefusedAndNothingIsWritten(kind: BackendKind) async throws {
        try await kind.run { backend in
            let store = try #require(backend.aggregates)
            let time = Timestamp(microseconds: Self.now)
            for bad in [Double.nan, .infinity, -.infinity] {
                var values = Self.layout.columns.map { _ in FeatureValue.null }
                values[Self.layout.columns.firstIndex(of: "amount")!] = .float64(bad)
                let good = AggregateEvent(
                    key: [.int64(7)], id: 1, version: 1, time: Timestamp(microseconds: Self.now - 1_000_000),
                    created: time, values: values.map { $0.isNull ? .int64(1) : .float64(1) })
                let event = AggregateEvent(
                    key: [.int64(7)], id: 2, version: 1, time: Timestamp(microseconds: Self.now - 1_000_000),
                    created: time, values: values)
                await #expect(throws: FeatureStoreError.self) {
                    try await store.addEvents([good, event], layout: Self.layout, now: time)
                }
                do {
                    _ = try await store.addEvents([good, event], layout: Self.layout, now: time)
                } catch let error as FeatureStoreError {
                    #expect(error.message.contains("'txn'") && error.message.contains("'amount'"))
                }
            }
            #expect(try await offPool { try store.aggregateStateIsEmpty(Self.layout) })
            let row = try await store.readAggregates(
                [[.int64(7)]], layout: Self.layout, features: [Self.countName], now: time)
            #expect(row[0][0].value == .int64(0))
        }
    }

    /// Generations of one view never see each other's events.
    @Test(arguments: BackendKind.allCases)
    func generationsAreSeparate(kind: BackendKind) async throws {
        try await kind.run { backend in
            let store = try #require(backend.aggregates)
            let second = AggregateLayout(view: Self.view, generation: 2)
            let time = Timestamp(microseconds: Self.now)
            let values = Self.layout.columns.map { $0 == "merchant" ? FeatureValue.string("m") : .int64(1) }
            let event = AggregateEvent(
                key: [.int64(1)], id: 1, version: 1, time: Timestamp(microseconds: Self.now - 1), created: time,
                values: values.enumerated().map {
                    Self.layout.columns[$0.offset] == "amount" ? .float64(2) : $0.element
                })
            _ = try await store.addEvents([event], layout: Self.layout, now: time)
            let one = try await store.readAggregates(
                [[.int64(1)]], layout: Self.layout, features: [Self.countName], now: time)
            let two = try await store.readAggregates(
                [[.int64(1)]], layout: second, features: [Self.countName], now: time)
            #expect(one[0][0].value == .int64(1))
            #expect(two[0][0].value == .int64(0))
            #expect(try await offPool { try store.aggregateStateIsEmpty(second) })
        }
    }
}
