import FeatureStoreCore
import Foundation
import RocksDB
import Testing

@testable import OnlineStoreRocksDB

/// The bulk fill builds the state ``OnlineStore/addEvents(_:layout:now:)`` builds from the same
/// events: the same keys, and reads that match the brute-force reference.
@Suite struct AggregateFillTests {
    static let hour: Int64 = 3_600_000_000
    static let day: Int64 = 86_400_000_000

    /// Events in time order over eight days for five entities, with bursts (hours that keep minute
    /// tiles), same-microsecond events, re-deliveries with other versions, late events, a few out
    /// of order and a few whose versions may move in time.
    static func events(_ rng: inout SplitMix64, now: Int64, retention: Int64) -> [AggregateEvent] {
        var events: [AggregateEvent] = []
        var time = now - retention - 2 * hour
        var id: Int64 = 0
        while time < now {
            time += Int64(rng.next() % UInt64(rng.next() % 8 == 0 ? 30_000_000 : 2 * hour))
            id += 1
            var event = AggregateEvent(
                key: [rng.next() % 3 == 0 ? .string("s\(rng.next() % 2)") : .int64(Int64(rng.next() % 3))], id: id,
                version: id, time: Timestamp(microseconds: min(time, now - 1)),
                created: Timestamp(microseconds: Int64(rng.next() % 2)),
                values: [
                    rng.next() % 10 == 0 ? .null : .float64(Double(Int64(rng.next() % 20_000) - 5_000) / 100),
                    .string(["m1", "m2", "m3"][Int(rng.next() % 3)]),
                ], versionsShareTime: rng.next() % 30 != 0)
            events.append(event)
            switch rng.next() % 20 {
            case 0:  // Another event in the same microsecond.
                id += 1
                event.id = id
                event.version = id
                events.append(event)
            case 1:  // The same event again, arriving later with other values.
                event.version += 1_000_000
                event.values[0] = .float64(1)
                events.append(event)
            case 2:  // An older event, out of order.
                event.id = -id
                event.time = Timestamp(microseconds: time - Int64(rng.next() % UInt64(3 * day)))
                events.append(event)
            default: break
            }
        }
        return events
    }

    /// The winning version of each event that is not too late at `now`.
    static func retained(_ events: [AggregateEvent], cutoff: Int64) -> [AggregateEvent] {
        var winners: [[FeatureValue]: AggregateEvent] = [:]
        for event in events {
            let identity = event.key + [.int64(event.id)]
            if let current = winners[identity], (event.created, event.version) <= (current.created, current.version) {
                continue
            }
            winners[identity] = event
        }
        return winners.values.filter { $0.time.microseconds >= cutoff }
    }

    static func keys(_ store: OnlineStore, _ layout: AggregateLayout) throws -> Set<[UInt8]> {
        var keys: Set<[UInt8]> = []
        try store.database.scan(from: layout.keyspace.prefix, to: layout.keyspace.end, in: store.aggregates) {
            key, _ in
            keys.insert(Array(key))
            return true
        }
        return keys
    }

    @Test(arguments: 0..<9)
    func aFillBuildsTheStateAddingEventsBuilds(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let layout = AggregateLayout(
            view: OnlineAggregateTests.view, generation: 1,
            fineTileThreshold: OnlineAggregateTests.thresholds[Int(seed) % OnlineAggregateTests.thresholds.count])
        let now: Int64 = 1_750_000_000_000_000 + Int64(rng.next() % UInt64(Self.day))
        let events = Self.events(&rng, now: now, retention: layout.retention.microseconds)

        let filled = try OnlineAggregateTests.open()
        #expect(try filled.aggregateStateIsEmpty(layout))
        let fill = try AggregateFill(
            store: filled, layout: layout, now: Timestamp(microseconds: now), directory: filled.path + ".fill")
        var rest = events[...]
        while !rest.isEmpty {
            let size = 1 + Int(rng.next() % 200)
            try fill.add(Array(rest.prefix(size)))
            rest = rest.dropFirst(size)
        }
        let summary = try fill.finish()
        #expect(!FileManager.default.fileExists(atPath: filled.path + ".fill"))
        #expect(try !filled.aggregateStateIsEmpty(layout))

        let added = try OnlineAggregateTests.open()
        let reference = try added.addEvents(events, layout: layout, now: Timestamp(microseconds: now))
        #expect(summary.applied - summary.replaced == reference.applied - reference.replaced)
        // (A late event delivered twice is two late events to the fill, a late one and a
        // duplicate to one batch.)
        #expect(summary.late + summary.duplicates == reference.late + reference.duplicates)
        #expect(try Self.keys(filled, layout) == Self.keys(added, layout))

        let cutoff = layout.cutoff(at: Timestamp(microseconds: now)).microseconds
        let retained = Self.retained(events, cutoff: cutoff)
        let users: [FeatureValue] = [.int64(0), .int64(1), .int64(2), .string("s0"), .string("s1")]
        for at in [now] + (0..<12).map({ _ in now + Int64(rng.next() % UInt64(Self.day)) }) {
            let rows = try filled.readAggregates(
                users.map { [$0] }, layout: layout, features: layout.aggregations.map(\.name),
                now: Timestamp(microseconds: at))
            for (user, row) in zip(users, rows) {
                let own = retained.filter { $0.key == [user] }
                for (aggregation, value) in zip(layout.aggregations, row) {
                    let expected = OnlineAggregateEdgeTests.reference(
                        aggregation, events: own, columns: layout.columns, now: at)
                    #expect(
                        OnlineAggregateTests.close(value.value, expected),
                        "\(user) \(aggregation.name) at +\(at - now): \(value.value) vs \(expected)")
                }
            }
        }
        // Later writes merge into the filled state as into any other.
        let more = (0..<30).map { index in
            AggregateEvent(
                key: [.int64(Int64(index % 3))], id: 10_000_000 + Int64(index), version: 1,
                time: Timestamp(microseconds: now - Int64(index) * 60_000_000), created: Timestamp(microseconds: 0),
                values: [.float64(Double(index)), .string("late")], versionsShareTime: true)
        }
        try filled.addEvents(more, layout: layout, now: Timestamp(microseconds: now))
        try added.addEvents(more, layout: layout, now: Timestamp(microseconds: now))
        #expect(try Self.keys(filled, layout) == Self.keys(added, layout))
        let both = try [filled, added].map {
            try $0.readAggregates(
                users.map { [$0] }, layout: layout, features: layout.aggregations.map(\.name),
                now: Timestamp(microseconds: now))
        }
        for (a, b) in zip(both[0].joined(), both[1].joined()) {
            #expect(OnlineAggregateTests.close(a.value, b.value), "\(a.value) vs \(b.value)")
        }
    }

    /// Events another writer adds while a fill runs are kept: the fill's ingestion replaces the
    /// keyspace, and they are added again.
    @Test func eventsAddedDuringAFillAreKept() throws {
        let store = try OnlineAggregateTests.open()
        let layout = AggregateLayout(view: OnlineAggregateTests.view, generation: 1)
        let now: Int64 = 1_750_000_000_000_000
        func event(_ id: Int64, minutesAgo: Int64, shares: Bool) -> AggregateEvent {
            AggregateEvent(
                key: [.int64(1)], id: id, version: id, time: Timestamp(microseconds: now - minutesAgo * 60_000_000),
                created: Timestamp(microseconds: 0), values: [.float64(Double(id)), .string("m")],
                versionsShareTime: shares)
        }
        let fill = try AggregateFill(
            store: store, layout: layout, now: Timestamp(microseconds: now), directory: store.path + ".fill")
        let filled = (1...50).map { event($0, minutesAgo: 120 - $0, shares: true) }
        try fill.add(filled)
        // A push meanwhile: one new event, one the fill also has, one that moves in time.
        let pushed = [event(100, minutesAgo: 5, shares: false), event(7, minutesAgo: 113, shares: true)]
        try store.addEvents(pushed, layout: layout, now: Timestamp(microseconds: now))
        try fill.finish()
        try OnlineAggregateEdgeTests.expectMatches(
            store, layout, retained: filled + [pushed[0]], users: [1], at: now)
        let state = try store.storedState(layout)
        #expect(state.events.count == 51)
        #expect(state.identities.count == 1)
    }
}
