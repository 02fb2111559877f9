import FeatureStoreCore
import Foundation
import RocksDB
import Testing

@testable import OnlineStoreRocksDB

/// Versions of one event online follow the offline history's rule: the later created time wins,
/// then, on equal created times, the later arrival (``AggregateEvent/version``); event time and
/// values play no part, and a version with the same (created, version) changes nothing.
@Suite struct OnlineAggregateVersionTests {
    static let now = OnlineAggregateEdgeTests.now
    static let layout = AggregateLayout(view: OnlineAggregateTests.view, generation: 1)

    static func event(
        id: Int64 = 1, version: Int64, minutesAgo: Int64, created: Int64, amount: Double
    ) -> AggregateEvent {
        AggregateEvent(
            key: [.int64(1)], id: id, version: version, time: Timestamp(microseconds: now - minutesAgo * 60_000_000),
            created: Timestamp(microseconds: created), values: [.float64(amount), .string("m\(id)")])
    }

    @discardableResult
    static func add(_ events: [AggregateEvent], to store: OnlineStore) throws -> AggregateWriteSummary {
        try store.addEvents(events, layout: layout, now: Timestamp(microseconds: now))
    }

    static func expectHolds(
        _ store: OnlineStore, _ events: [AggregateEvent], sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        try OnlineAggregateEdgeTests.expectMatches(
            store, layout, retained: events, users: [1], at: now, sourceLocation: sourceLocation)
    }

    /// The stored identity entry of event `id` of entity 1.
    static func identity(_ store: OnlineStore, id: Int64) throws -> EventIdentityEntry? {
        let key = layout.identityKey(entity: try EntityKeyEncoding.encode([.int64(1)]), id: id)
        return try store.aggregateValue(key).flatMap { bytes in
            bytes.withUnsafeBytes { EventIdentityEntry($0) }
        }
    }

    /// Overwrites one raw key of the aggregate state.
    static func put(_ key: [UInt8], _ value: [UInt8], in store: OnlineStore) throws {
        try store.putAggregateKey(key, value)
    }

    /// Every tile's key and bytes.
    static func tiles(_ store: OnlineStore) throws -> [[UInt8]: [UInt8]] {
        try store.storedTiles(layout.keyspace)
    }

    /// Three versions of one event: two with equal created times (the later arrival with the
    /// earlier event time, the smaller value and the smaller bytes) and one with a later created
    /// time and the earliest arrival. Added one by one in every order, and all in one batch, the
    /// state always holds the winner of those added so far; an earlier version added after a later
    /// one never wins.
    @Test func laterCreatedThenLaterArrivalWinsInEveryOrder() throws {
        let first = Self.event(version: 5, minutesAgo: 10, created: 1, amount: 90)
        let second = Self.event(version: 7, minutesAgo: 300, created: 1, amount: 10)
        let newer = Self.event(version: 3, minutesAgo: 20, created: 2, amount: 50)
        func winner(_ added: [AggregateEvent]) -> AggregateEvent {
            added.max { ($0.created, $0.version) < ($1.created, $1.version) }!
        }
        let orders = [
            [first, second, newer], [first, newer, second], [second, first, newer], [second, newer, first],
            [newer, first, second], [newer, second, first],
        ]
        for order in orders {
            let store = try OnlineAggregateTests.open()
            for count in 1...order.count {
                try Self.add([order[count - 1]], to: store)
                try Self.expectHolds(store, [winner(Array(order.prefix(count)))])
            }
            let batched = try OnlineAggregateTests.open()
            let summary = try Self.add(order, to: batched)
            #expect(summary.applied == 1)
            #expect(summary.duplicates == 2)
            try Self.expectHolds(batched, [newer])
            let pair = try OnlineAggregateTests.open()
            try Self.add(order.filter { $0 != newer }, to: pair)
            try Self.expectHolds(pair, [second])
        }
    }

    /// A version with the same created time and arrival number as the stored one is the same
    /// version: it changes nothing, even with other times and values (here a later event time and
    /// greater bytes), in a later batch or in the same one.
    @Test func theSameVersionIsANoOpWhateverItsValues() throws {
        let stored = Self.event(version: 5, minutesAgo: 10, created: 1, amount: 1)
        let other = Self.event(version: 5, minutesAgo: 5, created: 1, amount: 2)
        let store = try OnlineAggregateTests.open()
        try Self.add([stored], to: store)
        let summary = try Self.add([other], to: store)
        #expect(summary.applied == 0)
        #expect(summary.replaced == 0)
        #expect(summary.duplicates == 1)
        try Self.expectHolds(store, [stored])
        let batched = try OnlineAggregateTests.open()
        #expect(try Self.add([stored, other], to: batched).duplicates == 1)
        try Self.expectHolds(batched, [stored])
    }

    /// A later arrival of the same times and values records its version in the tile holding the
    /// event, touching no other tile (tiles whose states cannot be decoded stay as they are), so an
    /// arrival between the two is refused afterwards, and a still later one with other values
    /// replaces it.
    @Test func aLaterArrivalOfTheSameContentRecordsOnlyItsVersion() throws {
        let store = try OnlineAggregateTests.open()
        let original = Self.event(version: 5, minutesAgo: 30, created: 1, amount: 4)
        try Self.add([original], to: store)
        try OnlineAggregateEdgeTests.corruptTiles(store, Self.layout)
        let tiles = try Self.tiles(store)
        var again = original
        again.version = 7
        let summary = try Self.add([again], to: store)
        #expect(summary.applied == 1)
        #expect(summary.replaced == 1)
        let after = try Self.tiles(store)
        #expect(Set(after.keys) == Set(tiles.keys))
        #expect(after.filter { tiles[$0.key] != $0.value }.count == 1)
        #expect(try Self.identity(store, id: 1)?.rank == VersionRank(created: 1, version: 7))
        try Self.expectHolds(store, [original])

        let between = Self.event(version: 6, minutesAgo: 20, created: 1, amount: 8)
        #expect(try Self.add([between], to: store).duplicates == 1)
        try Self.expectHolds(store, [original])
        let later = Self.event(version: 8, minutesAgo: 20, created: 1, amount: 8)
        #expect(try Self.add([later], to: store).replaced == 1)
        try Self.expectHolds(store, [later])
    }

    /// The same times and values with a later created time are a new version whose tiles are
    /// recomputed: `last` breaks ties of event time on the created time, so the result can change.
    @Test func aLaterCreatedTimeWithTheSameValuesRecomputesTheTiles() throws {
        let store = try OnlineAggregateTests.open()
        let first = Self.event(id: 1, version: 1, minutesAgo: 30, created: 1, amount: 5)
        let other = Self.event(id: 2, version: 2, minutesAgo: 30, created: 2, amount: 3)
        try Self.add([first, other], to: store)
        try Self.expectHolds(store, [first, other])
        var newer = first
        newer.created = Timestamp(microseconds: 3)
        newer.version = 0
        #expect(try Self.add([newer], to: store).replaced == 1)
        try Self.expectHolds(store, [newer, other])
    }

    /// `-0.0` and `0.0` are different values to `min` and `max`, so a later arrival that turns one
    /// into the other is a new version whose tiles are recomputed.
    @Test func aLaterArrivalWithTheOtherZeroIsNotTheSameContent() throws {
        let store = try OnlineAggregateTests.open()
        let zero = Self.event(version: 1, minutesAgo: 30, created: 1, amount: 0)
        var minusZero = zero
        minusZero.version = 2
        minusZero.values[0] = .float64(-0.0)
        try Self.add([zero], to: store)
        #expect(try Self.add([minusZero], to: store).replaced == 1)
        let row = try store.readAggregates(
            [[.int64(1)]], layout: Self.layout, features: ["min_1h", "max_1h"], now: Timestamp(microseconds: Self.now))
        for value in row[0] {
            guard case .float64(let number) = value.value else {
                Issue.record("\(value.value) is not a float64")
                continue
            }
            #expect(number == 0 && number.sign == .minus)
        }
    }

    /// Identity entries written before versions existed (event and created times, 16 bytes) read
    /// as version 0; an entry of another length is reported as corrupt, and nothing is written.
    @Test func identityEntriesWithoutAVersionReadAsVersionZero() throws {
        let store = try OnlineAggregateTests.open()
        let stored = Self.event(version: 9, minutesAgo: 10, created: 1, amount: 1)
        try Self.add([stored], to: store)
        let key = Self.layout.identityKey(entity: try EntityKeyEncoding.encode([.int64(1)]), id: 1)
        var legacy: [UInt8] = []
        appendSortable(stored.time.microseconds, to: &legacy)
        appendSortable(stored.created.microseconds, to: &legacy)
        try Self.put(key, legacy, in: store)
        #expect(try Self.identity(store, id: 1)?.rank == VersionRank(created: 1, version: 0))

        let sameRank = Self.event(version: 0, minutesAgo: 5, created: 1, amount: 2)
        #expect(try Self.add([sameRank], to: store).duplicates == 1)
        try Self.expectHolds(store, [stored])
        let later = Self.event(version: 1, minutesAgo: 20, created: 1, amount: 3)
        #expect(try Self.add([later], to: store).replaced == 1)
        try Self.expectHolds(store, [later])
        #expect(try store.aggregateValue(key)?.count == 24)

        try Self.put(key, [1, 2, 3, 4, 5], in: store)
        let refused = Self.event(version: 2, minutesAgo: 1, created: 1, amount: 7)
        #expect(throws: FeatureStoreError.self) { try Self.add([refused], to: store) }
        try Self.expectHolds(store, [later])
    }

    /// Events without ids (the initializer without `id:`) are identified by their event and created
    /// times and have version 0: events with equal times are one event (the first stored stays),
    /// events with other times are distinct.
    @Test func eventsWithoutIdsAreIdentifiedByTheirTimes() throws {
        let time = Timestamp(microseconds: Self.now - 600_000_000)
        func event(created: Int64, amount: Double) -> AggregateEvent {
            AggregateEvent(
                key: [.int64(1)], time: time, created: Timestamp(microseconds: created),
                values: [.float64(amount), .string("m")])
        }
        let one = event(created: 0, amount: 1)
        let sameTimes = event(created: 0, amount: 2)
        let otherCreated = event(created: 1, amount: 4)
        #expect(one.id == sameTimes.id && one.id != otherCreated.id)
        #expect(one.version == 0)
        for (first, second) in [(one, sameTimes), (sameTimes, one)] {
            let store = try OnlineAggregateTests.open()
            try Self.add([first], to: store)
            let summary = try Self.add([second, otherCreated], to: store)
            #expect(summary.applied == 1)
            #expect(summary.duplicates == 1)
            try Self.expectHolds(store, [first, otherCreated])
        }
    }
}
