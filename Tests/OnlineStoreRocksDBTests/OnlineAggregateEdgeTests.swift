import FeatureStoreCore
import Foundation
import RocksDB
import Testing

@testable import OnlineStoreRocksDB

/// The online aggregate state at its edges: event identity (same-second events, exact duplicates,
/// replacements by created time and arrival), removed aggregations, tiles that cannot be decoded,
/// definitions beyond the limits, non-finite values and int64 sums beyond int64.
@Suite struct OnlineAggregateEdgeTests {
    static let day: Int64 = 86_400_000_000
    static let view = OnlineAggregateTests.view
    static let now: Int64 = 1_750_000_000_000_000

    /// The brute-force value of `aggregation` at `now` over the retained events, with the rules of
    /// ``AggregateState``: `min`/`max` in the total order, `last` ties to the greatest value.
    static func reference(_ aggregation: Aggregation, events: [AggregateEvent], columns: [String], now: Int64)
        -> FeatureValue
    {
        let column = columns.firstIndex(of: aggregation.column)!
        let present = events.filter {
            $0.time.microseconds >= now - aggregation.window.microseconds && $0.time.microseconds < now
                && !$0.values[column].isNull
        }
        let values = present.map { $0.values[column] }
        switch aggregation.function {
        case .count: return .int64(Int64(values.count))
        case .sum:
            if aggregation.inputType == .int64 {
                return Int64(exactly: exactSum(values)).map(FeatureValue.int64) ?? .null
            }
            return .float64(values.reduce(0) { $0 + $1.numeric })
        case .avg:
            if values.isEmpty { return .null }
            if aggregation.inputType == .int64 { return .float64(Double(exactSum(values)) / Double(values.count)) }
            return .float64(values.reduce(0) { $0 + $1.numeric } / Double(values.count))
        case .stddev:
            guard values.count > 1 else { return .null }
            let mean = values.reduce(0) { $0 + $1.numeric } / Double(values.count)
            return .float64(
                (values.reduce(0) { $0 + ($1.numeric - mean) * ($1.numeric - mean) } / Double(values.count - 1))
                    .squareRoot())
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

    static func exactSum(_ values: [FeatureValue]) -> Int128 {
        values.reduce(Int128(0)) { if case .int64(let v) = $1 { $0 + Int128(v) } else { $0 } }
    }

    /// Reads every aggregation of `layout` for `users` at `at` and compares with the reference.
    static func expectMatches(
        _ store: OnlineStore, _ layout: AggregateLayout, retained: [AggregateEvent], users: [Int64], at: Int64,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let rows = try store.readAggregates(
            users.map { [.int64($0)] }, layout: layout, features: layout.aggregations.map(\.name),
            now: Timestamp(microseconds: at))
        for (user, row) in zip(users, rows) {
            let events = retained.filter { $0.key == [.int64(user)] }
            for (aggregation, value) in zip(layout.aggregations, row) {
                let expected = reference(aggregation, events: events, columns: layout.columns, now: at)
                #expect(
                    OnlineAggregateTests.close(value.value, expected),
                    "user \(user) \(aggregation.name) at +\(at - now)us: \(value.value) vs \(expected)",
                    sourceLocation: sourceLocation)
            }
        }
    }

    /// Versions of events with ids: distinct events in the same microsecond, exact re-deliveries,
    /// later (or earlier) versions with other times and values, versions with equal created times
    /// and other arrival numbers (extremes of int64 among them), and later arrivals of the same
    /// times and values. Written in two random orders and batchings into two stores, the state of
    /// each must hold, per (entity, id), the version the offline history keeps: the later created
    /// time, then the later arrival, whatever the event times, values and order of adds.
    @Test(arguments: 0..<12)
    func eventIdentityMatchesTheReference(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let thresholds = OnlineAggregateTests.thresholds
        let layout = AggregateLayout(
            view: Self.view, generation: 1, fineTileThreshold: thresholds[Int(seed) % thresholds.count])
        let now = Self.now + Int64(rng.next() % UInt64(Self.day))
        // Versions within the retention (the oldest exactly at the cutoff); late ones come last.
        let cutoff = now - layout.retention.microseconds
        func randomTime() -> Int64 { max(cutoff, OnlineAggregateTests.randomTime(now, &rng)) }
        // Arrival numbers: unique, so no two versions of an event are tied on (created, version).
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
        for _ in 0..<160 {
            let user = Int64(rng.next() % 3)
            let id = Int64(rng.next() % 80) - 40
            var time = randomTime()
            if !versions.isEmpty, rng.next() % 4 == 0 { time = versions.randomElement(using: &rng)!.time.microseconds }
            for _ in 0..<(rng.next() % 3 == 0 ? 2 + Int(rng.next() % 2) : 1) {
                let earlier = versions.filter { $0.key == [.int64(user)] && $0.id == id }
                if let same = earlier.randomElement(using: &rng), rng.next() % 3 == 0 {
                    // The same event time and values again, arriving later or earlier (with a
                    // created time of its own, sometimes).
                    var again = same
                    again.version = arrival()
                    if rng.next() % 3 == 0 { again.created = Timestamp(microseconds: Int64(rng.next() % 3)) }
                    versions.append(again)
                    continue
                }
                if rng.next() % 3 == 0 { time = randomTime() }
                let amount: FeatureValue =
                    rng.next() % 10 == 0 ? .null : .float64(Double(Int64(rng.next() % 20_000) - 5_000) / 100)
                let merchant: FeatureValue = .string(["m1", "m2", "m3"][Int(rng.next() % 3)])
                versions.append(
                    AggregateEvent(
                        key: [.int64(user)], id: id, version: arrival(), time: Timestamp(microseconds: time),
                        created: Timestamp(microseconds: Int64(rng.next() % 3)), values: [amount, merchant]))
            }
        }
        // Late versions: a later version of a stored event that is too old removes it. (The state
        // remembers an event while a version of it is stored, so these come after those they beat.)
        var late: [AggregateEvent] = []
        var victims: [AggregateEvent] = []
        for version in versions.shuffled(using: &rng)
        where !victims.contains(where: { $0.key == version.key && $0.id == version.id }) {
            victims.append(version)
        }
        for (index, victim) in victims.prefix(4).enumerated() {
            late.append(
                AggregateEvent(
                    key: victim.key, id: victim.id, version: arrival(),
                    time: Timestamp(microseconds: now - 9 * Self.day - Int64(index)),
                    created: Timestamp(microseconds: 10), values: victim.values))
        }

        // The reference: the winning version of each (entity, id), kept when not too late.
        var winners: [[FeatureValue]: AggregateEvent] = [:]
        for version in versions + late {
            let identity = version.key + [.int64(version.id)]
            if let current = winners[identity],
                (version.created, version.version) < (current.created, current.version)
            {
                continue
            }
            winners[identity] = version
        }
        let retained = winners.values.filter { $0.time.microseconds >= cutoff }

        for _ in 0..<2 {
            let store = try OnlineAggregateTests.open()
            var pending = versions.shuffled(using: &rng)
            pending += pending.shuffled(using: &rng).prefix(60)  // Exact re-deliveries.
            pending += late
            var total = AggregateWriteSummary()
            while !pending.isEmpty {
                let size = Int(rng.next() % 40) + 1
                let summary = try store.addEvents(
                    Array(pending.prefix(size)), layout: layout, now: Timestamp(microseconds: now))
                total.applied += summary.applied
                total.duplicates += summary.duplicates
                total.late += summary.late
                pending.removeFirst(min(size, pending.count))
            }
            #expect(total.late >= 4)
            #expect(total.duplicates >= 60)
            #expect(total.applied >= retained.count)
            for at in [now, now + 90_000_000, now + 3_700_000_000, now + 2 * Self.day] {
                try Self.expectMatches(store, layout, retained: retained, users: [0, 1, 2, 9], at: at)
            }
        }
    }

    /// Two distinct events of one entity in the same microsecond, with the same created time, are
    /// both counted; the same event delivered twice is counted once.
    @Test func sameSecondDistinctEventsAreKept() throws {
        let store = try OnlineAggregateTests.open()
        let layout = AggregateLayout(view: Self.view, generation: 1)
        let time = Timestamp(microseconds: Self.now - 60_000_000)
        let events = [1, 2, 2].map { id in
            AggregateEvent(
                key: [.string("u")], id: id, time: time, created: Timestamp(microseconds: 0),
                values: [.float64(Double(id)), .string("m")])
        }
        let summary = try store.addEvents(events, layout: layout, now: Timestamp(microseconds: Self.now))
        #expect(summary.applied == 2)
        #expect(summary.duplicates == 1)
        let rows = try store.readAggregates(
            [[.string("u")]], layout: layout, features: ["count_1h", "sum_1h"], now: Timestamp(microseconds: Self.now))
        #expect(rows[0].map(\.value) == [.int64(2), .float64(3)])
    }

    /// A view's aggregation removed (a non-breaking apply): the new definition reads and writes the
    /// state the old one wrote, and a server still on the old definition reads what the new one wrote.
    @Test func removingAnAggregationKeepsTheViewReadableAndWritable() throws {
        let store = try OnlineAggregateTests.open()
        let all = FeatureView(
            name: "txn", entities: ["user"], source: "s",
            aggregations: [
                Aggregation(column: "amount", function: .sum, window: .hours(1), name: "sum_1h", inputType: .float64),
                Aggregation(column: "amount", function: .max, window: .days(7), name: "max_7d", inputType: .float64),
                Aggregation(
                    column: "merchant", function: .countDistinct, window: .days(1), name: "merchants_1d",
                    inputType: .string),
            ])
        var fewer = all
        fewer.aggregations.remove(at: 1)
        let before = AggregateLayout(view: all, generation: 1)
        let after = AggregateLayout(view: fewer, generation: 1)
        let now = Self.now
        func events(_ range: Range<Int>, layout: AggregateLayout) -> [AggregateEvent] {
            range.map { index in
                let values: [FeatureValue] = [.float64(Double(index)), .string("m\(index % 4)")]
                return AggregateEvent(
                    key: [.int64(1)], id: Int64(index), time: Timestamp(microseconds: now - Int64(index) * 97_000_000),
                    created: Timestamp(microseconds: 0),
                    values: layout.columns.map { values[$0 == "amount" ? 0 : 1] })
            }
        }
        try store.addEvents(events(0..<40, layout: before), layout: before, now: Timestamp(microseconds: now))
        var retained = events(0..<40, layout: before)
        try Self.expectMatches(store, after, retained: retained, users: [1], at: now)
        try store.addEvents(events(40..<60, layout: after), layout: after, now: Timestamp(microseconds: now))
        retained += events(40..<60, layout: before)
        try Self.expectMatches(store, after, retained: retained, users: [1], at: now)
        try Self.expectMatches(store, before, retained: retained, users: [1], at: now)
    }

    /// Makes the states of every tile unreadable (their raw events kept).
    static func corruptTiles(_ store: OnlineStore, _ layout: AggregateLayout) throws {
        #expect(try !store.storedTiles(layout.keyspace).isEmpty)
        try store.corruptStates(layout)
    }

    /// A tile whose states cannot be decoded never fails a read: it is recomputed from its finer
    /// tiles or raw events (and counted); the next write to it stores it whole again. A tile whose
    /// header or raw events cannot be read is reported as corrupt.
    @Test(arguments: OnlineAggregateTests.thresholds)
    func tilesThatCannotBeDecodedAreRecomputed(threshold: Int64) throws {
        let store = try OnlineAggregateTests.open()
        let layout = AggregateLayout(view: Self.view, generation: 1, fineTileThreshold: threshold)
        var rng = SplitMix64(seed: 3)
        var events: [AggregateEvent] = []
        for index in 0..<120 {
            let time = OnlineAggregateTests.randomTime(Self.now, &rng)
            events.append(
                AggregateEvent(
                    key: [.int64(Int64(index % 2))], id: Int64(index), time: Timestamp(microseconds: time),
                    created: Timestamp(microseconds: 0),
                    values: [.float64(Double(index)), .string("m\(index % 5)")]))
        }
        try store.addEvents(events, layout: layout, now: Timestamp(microseconds: Self.now))
        let retained = events.filter { $0.time.microseconds >= Self.now - layout.retention.microseconds }
        try Self.corruptTiles(store, layout)
        var summary = AggregateReadSummary()
        _ = try store.readAggregates(
            [[.int64(0)]], layout: layout, features: ["sum_1w"], now: Timestamp(microseconds: Self.now),
            summary: &summary)
        #expect(summary.recomputedTiles > 0)
        try Self.expectMatches(store, layout, retained: retained, users: [0, 1], at: Self.now)
        // A write merges into a tile it cannot decode by recomputing it.
        let more = AggregateEvent(
            key: [.int64(0)], id: 1000, time: Timestamp(microseconds: Self.now - 30_000_000),
            created: Timestamp(microseconds: 0), values: [.float64(0.5), .string("new")])
        try store.addEvents([more], layout: layout, now: Timestamp(microseconds: Self.now))
        try Self.expectMatches(store, layout, retained: retained + [more], users: [0, 1], at: Self.now)
    }

    /// A tile whose bytes are not a tile at all (its raw events unreadable) fails the read and the
    /// write with a `storage` error naming the view, rather than serving or building on less.
    @Test func unreadableTilesAreReportedAsCorrupt() throws {
        let store = try OnlineAggregateTests.open()
        let layout = AggregateLayout(view: Self.view, generation: 1)
        let event = AggregateEvent(
            key: [.int64(1)], id: 1, time: Timestamp(microseconds: Self.now - 60_000_000),
            created: Timestamp(microseconds: 0), values: [.float64(1), .string("m")])
        try store.addEvents([event], layout: layout, now: Timestamp(microseconds: Self.now))
        for key in try store.storedTiles(layout.keyspace).keys { try store.putAggregateKey(key, [0x07, 0xFF, 0x00]) }
        for attempt in 0..<2 {
            do {
                if attempt == 0 {
                    _ = try store.readAggregates(
                        [[.int64(1)]], layout: layout, features: ["count_1h"], now: Timestamp(microseconds: Self.now))
                } else {
                    var again = event
                    again.id = 2
                    try store.addEvents([again], layout: layout, now: Timestamp(microseconds: Self.now))
                }
                Issue.record("a corrupt tile was used")
            } catch let error as FeatureStoreError {
                #expect(error.code == .storage)
                #expect(error.message.contains("view 'txn'") && error.message.contains("corrupt"))
            }
        }
    }

    /// A definition registered before the limits existed never traps: the retention saturates, and
    /// a window beyond the maximum is refused with a message instead of reading years of tiles.
    @Test func definitionsBeyondTheLimitsNeverTrap() throws {
        let store = try OnlineAggregateTests.open()
        var late = Self.view
        late.lateness = .days(106_751_991)
        let layout = AggregateLayout(view: late, generation: 1)
        #expect(layout.retention == TimeSpan(microseconds: .max))
        #expect(layout.cutoff(at: Timestamp(microseconds: .min)) == Timestamp(microseconds: .min))
        #expect(layout.cutoff(at: Timestamp(microseconds: .max)).microseconds == 0)
        let event = AggregateEvent(
            key: [.int64(1)], id: 1, time: Timestamp(microseconds: Self.now - 1), created: Timestamp(microseconds: 0),
            values: [.float64(1), .string("m")])
        #expect(try store.addEvents([event], layout: layout, now: Timestamp(microseconds: Self.now)).applied == 1)
        var long = Self.view
        long.aggregations[0].window = .days(7 * 52_000)
        let tooLong = AggregateLayout(view: long, generation: 1)
        #expect(tooLong.problem?.contains("longer than the supported maximum of 366d") == true)
        #expect(throws: FeatureStoreError.self) {
            try store.readAggregates(
                [[.int64(1)]], layout: tooLong, features: [long.aggregations[0].name],
                now: Timestamp(microseconds: Self.now))
        }
    }

    /// NaN and infinities are refused before anything is written.
    @Test func nonFiniteValuesAreRefused() throws {
        let store = try OnlineAggregateTests.open()
        let layout = AggregateLayout(view: Self.view, generation: 1)
        for bad in [Double.nan, .infinity, -.infinity] {
            let events = [
                AggregateEvent(
                    key: [.int64(1)], id: 1, time: Timestamp(microseconds: Self.now - 10),
                    created: Timestamp(microseconds: 0), values: [.float64(1), .string("m")]),
                AggregateEvent(
                    key: [.int64(1)], id: 2, time: Timestamp(microseconds: Self.now - 5),
                    created: Timestamp(microseconds: 0), values: [.float64(bad), .string("m")]),
            ]
            do {
                try store.addEvents(events, layout: layout, now: Timestamp(microseconds: Self.now))
                Issue.record("\(bad) was accepted")
            } catch let error as FeatureStoreError {
                #expect(error.code == .invalidInput)
                #expect(error.message.contains("column 'amount' is \(FeatureValue.float64(bad).text)"))
                #expect(error.message.contains("(1)"))
            }
        }
        let rows = try store.readAggregates(
            [[.int64(1)]], layout: layout, features: ["count_1h"], now: Timestamp(microseconds: Self.now))
        #expect(rows[0][0].value == .int64(0))
    }

    /// An int64 sum beyond int64 is null (`NULL_VALUE`) and counted, never wrapped; one that comes
    /// back in range is a value again. Random extremes match the exact reference.
    @Test(arguments: 0..<6)
    func int64SumsNeverWrap(seed: UInt64) throws {
        let store = try OnlineAggregateTests.open()
        let view = FeatureView(
            name: "qty", entities: ["user"], source: "s",
            aggregations: [TimeSpan.hours(1), .days(1), .days(7)].flatMap { window in
                [AggregationFunction.sum, .avg, .min, .max].map { function in
                    Aggregation(
                        column: "qty", function: function, window: window, name: "\(function.rawValue)_\(window)",
                        inputType: .int64)
                }
            })
        let layout = AggregateLayout(view: view, generation: 1)
        var rng = SplitMix64(seed: seed)
        let extremes: [Int64] = [.max, .min, .max - 1, .min + 1, 0, 1, -1, 1 << 62]
        let events = (0..<12).map { index in
            AggregateEvent(
                key: [.int64(Int64(index % 2))], id: Int64(index),
                time: Timestamp(microseconds: OnlineAggregateTests.randomTime(Self.now, &rng)),
                created: Timestamp(microseconds: 0),
                values: [.int64(extremes[Int(rng.next() % UInt64(extremes.count))])])
        }
        try store.addEvents(events.shuffled(using: &rng), layout: layout, now: Timestamp(microseconds: Self.now))
        let retained = events.filter { $0.time.microseconds >= Self.now - layout.retention.microseconds }
        for at in [Self.now, Self.now + 3_000_000_000] {
            var summary = AggregateReadSummary()
            let rows = try store.readAggregates(
                [[.int64(0)], [.int64(1)]], layout: layout, features: view.aggregations.map(\.name),
                now: Timestamp(microseconds: at), summary: &summary)
            var nulls = 0
            for (user, row) in rows.enumerated() {
                for (aggregation, value) in zip(view.aggregations, row) {
                    let expected = Self.reference(
                        aggregation, events: retained.filter { $0.key == [.int64(Int64(user))] },
                        columns: layout.columns, now: at)
                    #expect(value.value == expected, "\(aggregation.name) of \(user): \(value.value) vs \(expected)")
                    if aggregation.function == .sum, expected.isNull {
                        nulls += 1
                        #expect(value.status == .nullValue)
                    }
                }
            }
            #expect(summary.outOfRange == nulls)
        }
        let overflow = [Int64.max, 1].enumerated().map { index, value in
            AggregateEvent(
                key: [.int64(7)], id: Int64(index), time: Timestamp(microseconds: Self.now - 1_000),
                created: Timestamp(microseconds: 0), values: [.int64(value)])
        }
        try store.addEvents(overflow, layout: layout, now: Timestamp(microseconds: Self.now))
        var summary = AggregateReadSummary()
        let row = try store.readAggregates(
            [[.int64(7)]], layout: layout, features: ["sum_1h", "avg_1h"], now: Timestamp(microseconds: Self.now),
            summary: &summary)
        #expect(
            row[0][0] == OnlineValue(value: .null, status: .nullValue, eventTime: Timestamp(microseconds: Self.now)))
        #expect(row[0][1].value == .float64(Double(Int128(Int64.max) + 1) / 2))
        #expect(summary.outOfRange == 1)
    }
}
