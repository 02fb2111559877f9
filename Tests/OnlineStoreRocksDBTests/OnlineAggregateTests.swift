import FeatureStoreCore
import Foundation
import Testing

@testable import OnlineStoreRocksDB

@Suite struct OnlineAggregateTests {
    static let aggregations: [Aggregation] =
        AggregationFunction.allCases.flatMap { function in
            [TimeSpan.minutes(7), .hours(1), .days(1), .days(7)].map { window in
                let column = function.acceptedTypes.contains(.float64) ? "amount" : "merchant"
                return Aggregation(
                    column: column, function: function, window: window, name: "\(function.rawValue)_\(window)",
                    inputType: column == "amount" ? .float64 : .string)
            }
        } + [
            Aggregation(
                column: "merchant", function: .countDistinct, window: .days(7), name: "merchants_7d", inputType: .string
            )
        ]

    static let view = FeatureView(
        name: "txn", entities: ["user"], source: "s", aggregations: aggregations, lateness: .hours(1))

    static func open() throws -> OnlineStore {
        try OnlineStore(path: (NSTemporaryDirectory() as NSString).appendingPathComponent("agg-\(UUID().uuidString)"))
    }

    /// Times that stress the edges: tile boundaries of every level, the window bounds, and random ones.
    static func randomTime(_ now: Int64, _ rng: inout SplitMix64) -> Int64 {
        let day: Int64 = 86_400_000_000
        switch rng.next() % 6 {
        case 0:
            return now - [60_000_000, 300_000_000, 3_600_000_000, 21_600_000_000, day, 7 * day][Int(rng.next() % 6)]
        case 1:
            let level = TileLevels.lengths[Int(rng.next() % 5)]
            return (now / level - Int64(rng.next() % 50)) * level + [Int64(0), -1, 1][Int(rng.next() % 3)]
        case 2: return now - Int64(rng.next() % 3)  // At (excluded) and just before now.
        default: return now - Int64(rng.next() % UInt64(8 * day))
        }
    }

    /// Brute force over the events: the definition of every aggregate.
    static func reference(_ aggregation: Aggregation, events: [AggregateEvent], now: Int64) -> FeatureValue {
        let inWindow = events.filter {
            $0.time.microseconds >= now - aggregation.window.microseconds && $0.time.microseconds < now
        }
        .sorted { ($0.time, $0.created) < ($1.time, $1.created) }
        let column = aggregation.column == "amount" ? 0 : 1
        var present: [FeatureValue] = []
        for event in inWindow where !event.values[column].isNull { present.append(event.values[column]) }
        switch aggregation.function {
        case .count: return .int64(Int64(present.count))
        case .sum: return .float64(present.reduce(0) { $0 + $1.numeric })
        case .avg:
            return present.isEmpty ? .null : .float64(present.reduce(0) { $0 + $1.numeric } / Double(present.count))
        case .stddev:
            guard present.count > 1 else { return .null }
            let mean = present.reduce(0) { $0 + $1.numeric } / Double(present.count)
            return .float64(
                (present.reduce(0) { $0 + ($1.numeric - mean) * ($1.numeric - mean) } / Double(present.count - 1))
                    .squareRoot())
        case .min: return present.min { $0.isOrdered(before: $1) } ?? .null
        case .max: return present.max { $0.isOrdered(before: $1) } ?? .null
        case .last: return present.last ?? .null
        case .countDistinct: return .int64(Int64(Set(present).count))
        }
    }

    static func close(_ a: FeatureValue, _ b: FeatureValue) -> Bool {
        if case .float64(let x) = a, case .float64(let y) = b { return abs(x - y) <= 1e-9 * max(1, abs(x), abs(y)) }
        return a == b
    }

    /// Thresholds of minute tiles the randomized tests cycle through: every hour keeps minute
    /// tiles, hours with a few events do, and the default.
    static let thresholds: [Int64] = [0, 2, 64]

    @Test(arguments: 0..<12)
    func onlineAggregatesMatchTheReference(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let store = try Self.open()
        let layout = AggregateLayout(
            view: Self.view, generation: 1, fineTileThreshold: Self.thresholds[Int(seed) % Self.thresholds.count])
        let now: Int64 = 1_750_000_000_000_000 + Int64(rng.next() % 86_400_000_000)
        var events: [AggregateEvent] = []
        var seen: Set<[Int64]> = []
        for _ in 0..<400 {
            let user = Int64(rng.next() % 3)
            let time = Self.randomTime(now, &rng)
            let created = Int64(rng.next() % 2)
            guard seen.insert([user, time, created]).inserted else { continue }
            let amount: FeatureValue =
                rng.next() % 10 == 0 ? .null : .float64(Double(Int64(rng.next() % 20_000) - 5_000) / 100)
            let merchant: FeatureValue = .string(["m1", "m2", "m3", "m4"][Int(rng.next() % 4)])
            events.append(
                AggregateEvent(
                    key: [.int64(user)], time: Timestamp(microseconds: time), created: Timestamp(microseconds: created),
                    values: [amount, merchant]))
        }
        // Late events: older than the 7d window plus 1h lateness at write time.
        let late = (0..<5).map { index in
            AggregateEvent(
                key: [.int64(0)], time: Timestamp(microseconds: now - 8 * 86_400_000_000 - Int64(index)),
                created: Timestamp(microseconds: 0), values: [.float64(1e9), .string("late")])
        }
        // Written out of order, in random batches, some twice.
        var pending = (events + late).shuffled(using: &rng)
        pending += pending.prefix(50)
        var total = AggregateWriteSummary()
        while !pending.isEmpty {
            let size = Int(rng.next() % 60) + 1
            let summary = try store.addEvents(
                Array(pending.prefix(size)), layout: layout, now: Timestamp(microseconds: now))
            total.applied += summary.applied
            total.duplicates += summary.duplicates
            total.late += summary.late
            pending.removeFirst(min(size, pending.count))
        }
        let retained = events.filter { $0.time.microseconds >= now - layout.retention.microseconds }
        #expect(total.applied == retained.count)
        #expect(total.late >= 5)

        // Read at now and a little later (the windows slide; nothing new was written), with the
        // layout that wrote and with the default one (the state says which hours keep minute tiles).
        for readAt in [now, now + 90_000_000, now + 3_700_000_000] {
            let names = Self.aggregations.map(\.name)
            let reader = readAt == now ? layout : AggregateLayout(view: Self.view, generation: 1)
            let rows = try store.readAggregates(
                [[.int64(0)], [.int64(1)], [.int64(2)], [.int64(9)]], layout: reader, features: names,
                now: Timestamp(microseconds: readAt))
            for (user, row) in rows.enumerated() {
                let userEvents = retained.filter { $0.key == [.int64(Int64(user))] }
                for (aggregation, value) in zip(Self.aggregations, row) {
                    let expected = Self.reference(aggregation, events: userEvents, now: readAt)
                    #expect(
                        Self.close(value.value, expected),
                        "user \(user) \(aggregation.name) at +\(readAt - now)us: \(value.value) vs \(expected)")
                    #expect(value.status == (expected.isNull ? .nullValue : .present))
                }
            }
        }
    }

    @Test func reAddingEventsChangesNothing() throws {
        let store = try Self.open()
        let layout = AggregateLayout(view: Self.view, generation: 1)
        let now = Timestamp(seconds: 1_750_000_000)
        let events = (0..<20).map {
            AggregateEvent(
                key: [.string("u")], time: now - .minutes(Int64($0)), created: Timestamp(microseconds: 0),
                values: [.float64(Double($0)), .string("m")])
        }
        #expect(try store.addEvents(events, layout: layout, now: now).applied == 20)
        let again = try store.addEvents(events, layout: layout, now: now)
        #expect(again.applied == 0)
        #expect(again.duplicates == 20)
        let count = try store.readAggregates([[.string("u")]], layout: layout, features: ["count_1h"], now: now)
        #expect(count[0][0].value == .int64(19))  // The event at `now` is excluded.
    }
}
