import FeatureStoreCore
import Foundation
import RocksDB
import Testing

@testable import OnlineStoreRocksDB

/// Expiry over simulated time: the state keeps what a window can still reach, for every entity
/// (quiet ones included), and reads stay exact while it goes.
@Suite struct OnlineAggregateExpiryTests {
    static let hour: Int64 = 3_600_000_000
    static let day: Int64 = 86_400_000_000

    /// Ten simulated days of small writes to six entities (three go quiet after the second day),
    /// with late events, re-deliveries and later versions (some at other event times, some sharing
    /// their time): at every checkpoint the reads match the reference, nothing that ends before the
    /// hour of the cutoff is left, and every identity entry points at a stored event and back.
    @Test(arguments: 0..<6)
    func readsStayExactAndTheStateBoundedOverSimulatedDays(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let store = try OnlineAggregateTests.open()
        let layout = AggregateLayout(
            view: OnlineAggregateTests.view, generation: 1,
            fineTileThreshold: OnlineAggregateTests.thresholds[Int(seed) % OnlineAggregateTests.thresholds.count])
        let start: Int64 = 1_750_000_000_000_000 + Int64(rng.next() % UInt64(Self.day))
        var now = start
        var versions: [AggregateEvent] = []
        var nextID: Int64 = 0
        var arrival: Int64 = 0
        for step in 1...480 {
            now += 30 * 60_000_000 + Int64(rng.next() % 60_000_000)
            let active: [Int64] = now - start < 2 * Self.day ? [0, 1, 2, 3, 4, 5] : [0, 1, 2]
            var batch: [AggregateEvent] = []
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                arrival += 1
                let recent = versions.filter { $0.time.microseconds >= now - Self.day }
                if let old = recent.randomElement(using: &rng), rng.next() % 5 == 0 {
                    // A later (or earlier) version of a recent event, or the same one again.
                    var again = old
                    again.version = rng.next() % 4 == 0 ? old.version : arrival
                    if !old.versionsShareTime, rng.next() % 2 == 0 {
                        again.time = Timestamp(microseconds: now - Int64(rng.next() % UInt64(2 * Self.hour)))
                    }
                    again.values[0] = .float64(Double(rng.next() % 1000) / 10)
                    batch.append(again)
                    continue
                }
                nextID += 1
                let late = rng.next() % 40 == 0
                let time =
                    late
                    ? now - layout.retention.microseconds - 1 - Int64(rng.next() % UInt64(Self.hour))
                    : now - Int64(rng.next() % UInt64(3 * Self.hour))
                batch.append(
                    AggregateEvent(
                        key: [.int64(active.randomElement(using: &rng)!)], id: nextID, version: arrival,
                        time: Timestamp(microseconds: time), created: Timestamp(microseconds: 0),
                        values: [
                            rng.next() % 10 == 0 ? .null : .float64(Double(rng.next() % 10_000) / 100),
                            .string(["m1", "m2", "m3"][Int(rng.next() % 3)]),
                        ], versionsShareTime: rng.next() % 2 == 0))
            }
            try store.addEvents(batch.shuffled(using: &rng), layout: layout, now: Timestamp(microseconds: now))
            versions += batch
            guard step % 60 == 0 else { continue }

            // The winning version of each event, as the offline history keeps it.
            var winners: [[FeatureValue]: AggregateEvent] = [:]
            for version in versions {
                let identity = version.key + [.int64(version.id)]
                if let current = winners[identity],
                    (version.created, version.version) <= (current.created, current.version)
                {
                    continue
                }
                winners[identity] = version
            }
            try OnlineAggregateEdgeTests.expectMatches(
                store, layout, retained: Array(winners.values), users: [0, 1, 2, 3, 4, 5], at: now)

            let state = try store.storedState(layout)
            let cutoff = layout.cutoff(at: Timestamp(microseconds: now)).microseconds
            let firstHour = AggregateLayout.hour(of: cutoff) * Self.hour
            #expect(state.events.allSatisfy { $0.time >= firstHour }, "an event of an expired hour is left")
            // Expiry runs when the cutoff enters a new hour: minute tiles may be up to an hour late.
            for (level, index) in state.tiles {
                let current = TileLevels.Tile(level: level, containing: Timestamp(microseconds: firstHour)).index
                #expect(index >= current, "a tile of level \(level) that ends before the cutoff's hour is left")
            }
            let indexed = Set(state.events.filter(\.indexed).map { [$0.id, $0.time] })
            #expect(Set(state.identities.map { [$0.id, $0.time] }) == indexed)
            #expect(state.identities.count == indexed.count)
        }
    }

    /// Entities that stop receiving events lose their state as time passes, though nothing is
    /// written for them: after the retention and the longest tile, nothing of theirs is left.
    @Test func quietEntitiesAreReclaimed() throws {
        let store = try OnlineAggregateTests.open()
        let layout = AggregateLayout(view: OnlineAggregateTests.view, generation: 1)
        let start: Int64 = 1_750_000_000_000_000
        var id: Int64 = 0
        func events(_ users: ClosedRange<Int64>, at now: Int64) -> [AggregateEvent] {
            users.map { user in
                id += 1
                return AggregateEvent(
                    key: [.int64(user)], id: id, time: Timestamp(microseconds: now - 1),
                    created: Timestamp(microseconds: 0),
                    values: [.float64(1), .string("m")])
            }
        }
        var now = start
        for _ in 0..<48 {
            now += Self.hour
            try store.addEvents(events(0...9, at: now), layout: layout, now: Timestamp(microseconds: now))
        }
        let busy = try store.storedState(layout)
        // Only entity 0 keeps receiving events (every 6 hours), for the retention plus 28 days.
        let end = now + layout.retention.microseconds + 28 * Self.day + Self.hour
        while now < end {
            now += 6 * Self.hour
            try store.addEvents(events(0...0, at: now), layout: layout, now: Timestamp(microseconds: now))
        }
        let quiet = try store.storedState(layout)
        #expect(quiet.events.count <= layout.retention.microseconds / (6 * Self.hour) + 1)
        #expect(busy.events.count == 480)
        let rows = try store.readAggregates(
            (0...9).map { [.int64($0)] }, layout: layout, features: ["count_1w"], now: Timestamp(microseconds: now))
        #expect(rows[0][0].value == .int64(28))
        for row in rows.dropFirst() { #expect(row[0].value == .int64(0)) }
        // Nothing but entity 0's state: its events, and at most one tile per level and hour.
        let entity = try EntityKeyEncoding.encode([.int64(0)])
        var others = 0
        try store.database.scan(from: layout.keyspace.prefix, to: layout.keyspace.end, in: store.aggregates) {
            key, _ in
            if !Array(key).containsSubsequence(entity) { others += 1 }
            return true
        }
        #expect(others == 0)
    }
}

extension Array where Element == UInt8 {
    fileprivate func containsSubsequence(_ other: [UInt8]) -> Bool {
        guard other.count <= count else { return false }
        return (0...(count - other.count)).contains { Array(self[$0..<($0 + other.count)]) == other }
    }
}
