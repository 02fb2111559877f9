import Foundation
import Synchronization
import Testing

@testable import FeatureStoreKit

/// `fs verify-consistency` (``FeatureStore/verifyConsistency(sample:views:)``) finds no mismatch
/// between the training-set path and the online state of an aggregate view after each way the
/// state is built: the bulk fill of a first materialization, many single-event pushes on top of
/// it, and a simulated week of incremental runs in which most entities go quiet. The online values
/// are also compared with the brute-force reference of ``WindowedAggregateTests``.
@Suite struct AggregateConsistencyTests {
    typealias Event = WindowedAggregateTests.Event
    static let hour: Int64 = 3_600_000_000
    static let day: Int64 = 24 * hour
    static let start: Int64 = WindowedAggregateTests.now

    /// A clock the test moves, or that moves by `tick` each time it is read.
    final class Clock: Sendable {
        let time = Mutex<Int64>(AggregateConsistencyTests.start)
        let tick = Mutex<Int64>(0)
        func set(_ value: Int64) { time.withLock { $0 = value } }
        var now: Timestamp {
            let step = tick.withLock { $0 }
            return Timestamp(
                microseconds: time.withLock { time in
                    time += step
                    return time
                })
        }
    }

    /// An empty repo with the windowed view of ``WindowedAggregateTests`` (every function over
    /// 10m, 1h, 1d and 7d windows), opened with `clock`.
    static func repo(clock: Clock) throws -> (String, FeatureStore) {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent(
            "fs-agg-consistency-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try "project: windows\n".write(toFile: path + "/feature_store.yaml", atomically: true, encoding: .utf8)
        try WindowedAggregateTests.definitions.write(toFile: path + "/repo.yaml", atomically: true, encoding: .utf8)
        let store = try FeatureStore(repo: path, clock: { clock.now })
        _ = try store.apply()
        return (path, store)
    }

    /// `count` random events of `users` in `[from, to)`: same-microsecond events, exact duplicates
    /// and nulls among them.
    static func events(_ rng: inout SplitMix64, count: Int, users: [Int64], from: Int64, to: Int64) -> [Event] {
        var events: [Event] = []
        for _ in 0..<count {
            if let last = events.last, rng.next() % 10 == 0 {
                events.append(last)
                continue
            }
            let user = users[Int(rng.next() % UInt64(users.count))]
            let time =
                rng.next() % 8 == 0 && events.last != nil
                ? events.last!.time : from + Int64(rng.next() % UInt64(to - from))
            events.append(
                Event(
                    user: user, time: time,
                    amount: rng.next() % 8 == 0 ? nil : Double(Int64(rng.next() % 100_000) - 20_000) / 100,
                    qty: rng.next() % 8 == 0 ? nil : Int64(rng.next() % 10),
                    merchant: rng.next() % 8 == 0 ? nil : ["a", "b", "c", "d", "e"][Int(rng.next() % 5)]))
        }
        return events
    }

    /// Ingests `events` into the offline history (a CSV in random order).
    static func ingest(_ events: [Event], into store: FeatureStore, repo: String, rng: inout SplitMix64) throws {
        var csv = "user_id,ts,amount,qty,merchant\n"
        for event in events.shuffled(using: &rng) {
            csv +=
                "\(event.user),\(Timestamp(microseconds: event.time).rfc3339),\(event.amount.map { "\($0)" } ?? ""),\(event.qty.map { "\($0)" } ?? ""),\(event.merchant ?? "")\n"
        }
        let file = repo + "/txns-\(UUID().uuidString).csv"
        try csv.write(toFile: file, atomically: true, encoding: .utf8)
        _ = try store.ingest(source: "txns", file: file)
    }

    /// Every feature of every sampled entity agrees between offline and online, and with the
    /// brute-force reference at the clock's time.
    static func expectConsistent(
        _ store: FeatureStore, events: [Event], users: [Int64], at now: Int64,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let report = try store.verifyConsistency(sample: 1000, views: ["spend"])
        #expect(
            report.mismatches == 0, "\(report.features.filter { $0.mismatches > 0 })", sourceLocation: sourceLocation)
        #expect(report.features.allSatisfy { $0.checked > 0 }, sourceLocation: sourceLocation)
        let response = try store.getOnlineFeatures(
            references: [FeatureReference(view: "spend", feature: "*")],
            entities: EntityRows(columns: [("user_id", users.map { .int64($0) })]))
        let view = try #require(try store.snapshot().definitions.featureView("spend"))
        for (index, aggregation) in view.aggregations.enumerated() {
            for (row, user) in users.enumerated() {
                let expected = WindowedAggregateTests.reference(aggregation, events.filter { $0.user == user }, at: now)
                let actual = response.columns[index + 1][row].value
                #expect(
                    WindowedAggregateTests.close(actual, expected),
                    "user \(user): \(aggregation.name) online \(actual), expected \(expected)",
                    sourceLocation: sourceLocation)
            }
        }
    }

    /// The first materialization fills the state in bulk; single-event pushes (the server's path,
    /// ``OnlineStore/addEvents(_:layout:now:)``) then add the events after it one by one.
    @Test(arguments: 0..<3)
    func afterTheBulkFillAndAfterPushes(seed: UInt64) throws {
        let clock = Clock()
        let (repo, store) = try Self.repo(clock: clock)
        var rng = SplitMix64(seed: seed)
        let users = Array(Int64(0)..<20)
        let filled = Self.events(&rng, count: 1500, users: users, from: Self.start - 9 * Self.day, to: Self.start)
        let pushed = Self.events(
            &rng, count: 1200, users: users, from: Self.start + 1, to: Self.start + 2 * Self.hour)
        // Pushed events reach the offline history too (the server appends them there first).
        clock.set(Self.start + 2 * Self.hour)
        try Self.ingest(filled + pushed, into: store, repo: repo, rng: &rng)
        clock.set(Self.start)

        let report = try store.materializeIncremental(to: Timestamp(microseconds: Self.start))
        #expect(report.views.first?.rowsScanned ?? 0 > 0)
        try Self.expectConsistent(store, events: filled, users: users, at: Self.start)

        // The pushed events, one push each, in time order, with the clock following them.
        let snapshot = try store.snapshot()
        let view = try #require(snapshot.definitions.featureView("spend"))
        let layout = AggregateLayout(view: view, generation: snapshot.generation(ofView: "spend"))
        let online = try #require(try store.onlineStore() as? OnlineStore)
        for (index, event) in pushed.sorted(by: { $0.time < $1.time }).enumerated() {
            let values: [FeatureValue] = layout.columns.map { column in
                switch column {
                case "amount": event.amount.map { .float64($0) } ?? .null
                case "qty": event.qty.map { .int64($0) } ?? .null
                default: event.merchant.map { .string($0) } ?? .null
                }
            }
            let summary = try online.addEvents(
                [
                    AggregateEvent(
                        key: [.int64(event.user)], id: 1_000_000 + Int64(index), version: Int64(index),
                        time: Timestamp(microseconds: event.time), created: Timestamp(microseconds: 0), values: values,
                        versionsShareTime: true)
                ], layout: layout, now: Timestamp(microseconds: event.time + 1))
            #expect(summary.applied == 1)
        }
        let end = Self.start + 2 * Self.hour
        clock.set(end)
        try Self.expectConsistent(store, events: filled + pushed, users: users, at: end)
    }

    /// The online side is read at the time the offline side is computed for, however long the
    /// training set takes: here the clock moves 2 minutes each time it is read, so a read at the
    /// clock's time would drop the events at the start of the windows.
    @Test func theOnlineSideIsReadAtTheReportsTime() throws {
        let clock = Clock()
        let (repo, store) = try Self.repo(clock: clock)
        var rng = SplitMix64(seed: 42)
        let users = Array(Int64(0)..<10)
        // Events every minute of the last 2 hours: every window's start has events near it.
        var events: [Event] = []
        for minute in 1...120 {
            for user in users {
                events.append(
                    Event(
                        user: user, time: Self.start - Int64(minute) * 60_000_000 + 1, amount: Double(minute), qty: 1,
                        merchant: "a"))
            }
        }
        try Self.ingest(events, into: store, repo: repo, rng: &rng)
        try store.materializeIncremental(to: Timestamp(microseconds: Self.start))
        clock.tick.withLock { $0 = 120_000_000 }
        let report = try store.verifyConsistency(sample: 100, views: ["spend"])
        #expect(report.mismatches == 0, "\(report.features.filter { $0.mismatches > 0 }.map(\.feature))")
    }

    /// A simulated week: every 6 hours new events arrive and an incremental run materializes
    /// them; after the first day 90% of the entities go quiet. Offline and online agree at the
    /// end, and the quiet entities read as empty windows (that their state is reclaimed is
    /// `OnlineAggregateExpiryTests.quietEntitiesAreReclaimed`).
    @Test(arguments: 0..<2)
    func afterASimulatedWeek(seed: UInt64) throws {
        let clock = Clock()
        let (repo, store) = try Self.repo(clock: clock)
        var rng = SplitMix64(seed: seed)
        let users = Array(Int64(0)..<20)
        let active: [Int64] = [0, 1]
        var all: [Event] = []
        var now = Self.start
        for step in 0..<(4 * 9) {
            let from = now
            now += 6 * Self.hour
            let batch = Self.events(&rng, count: 120, users: step < 4 ? users : active, from: from, to: now)
            all += batch
            clock.set(now)
            try Self.ingest(batch, into: store, repo: repo, rng: &rng)
            try store.materializeIncremental(to: Timestamp(microseconds: now))
        }
        try Self.expectConsistent(store, events: all, users: users, at: now)
        let response = try store.getOnlineFeatures(
            references: [FeatureReference(view: "spend", feature: "amount_count_7d")],
            entities: EntityRows(columns: [("user_id", users.map { .int64($0) })]))
        for (row, user) in users.enumerated() where !active.contains(user) {
            #expect(response.columns[1][row].value == .int64(0))
        }
    }
}
