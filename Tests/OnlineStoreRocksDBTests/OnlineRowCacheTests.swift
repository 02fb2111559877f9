import FeatureStoreCore
import Foundation
import Testing

@testable import OnlineStoreRocksDB

/// The in-process row cache never changes an answer: reads through a small (always evicting)
/// cache equal reads of a store without one, whatever the writes and drops in between; a read that
/// raced a write never caches the older value; the cache stays within its budget.
@Suite struct OnlineRowCacheTests {
    static func open(cache: Int) throws -> OnlineStore {
        try OnlineStore(
            path: (NSTemporaryDirectory() as NSString).appendingPathComponent("online-cache-\(UUID().uuidString)"),
            rowCacheBytes: cache)
    }

    static let features = ["rate", "trips", "name", "absent"]

    static func record(_ rng: inout SplitMix64) -> OnlineRecord {
        let event = Int64(rng.next() % 50)
        var values: [(name: String, value: FeatureValue)] = [
            ("rate", rng.next() % 5 == 0 ? .null : .float64(Double(rng.next() % 1000) / 8)),
            ("trips", .int64(Int64(bitPattern: rng.next()))),
        ]
        // Records of different sizes: some carry a long string, some leave features out.
        if rng.next() % 2 == 0 {
            values.append(("name", .string(String(repeating: "x", count: Int(rng.next() % 300)))))
        }
        if rng.next() % 4 == 0 { values.reverse() }
        return OnlineRecord(
            eventTime: Timestamp(seconds: event), createdTime: Timestamp(seconds: Int64(rng.next() % 3)),
            values: values)
    }

    @Test(arguments: 0..<20) func readsThroughTheCacheEqualReadsWithout(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let cached = try Self.open(cache: 16 * 1024)
        let plain = try Self.open(cache: 0)
        let keyspaces = [OnlineKeyspace(view: "a", generation: 1), OnlineKeyspace(view: "b", generation: 3)]
        for _ in 0..<300 {
            let keyspace = keyspaces[Int(rng.next() % 2)]
            switch rng.next() % 10 {
            case 0..<3:
                let batch = (0..<Int(rng.next() % 20 + 1)).map { _ in
                    (key: [FeatureValue.int64(Int64(rng.next() % 120))], record: Self.record(&rng))
                }
                #expect(try cached.write(batch, to: keyspace) == plain.write(batch, to: keyspace))
            case 3:
                let keep: Set<OnlineKeyspace> = rng.next() % 2 == 0 ? [keyspaces[0]] : []
                try cached.dropKeyspaces(except: keep)
                try plain.dropKeyspaces(except: keep)
            default:
                let entities = (0..<Int(rng.next() % 40 + 1)).map { _ in [FeatureValue.int64(Int64(rng.next() % 150))] }
                let now = Timestamp(seconds: Int64(rng.next() % 80))
                let ttl = TimeSpan.seconds(Int64(rng.next() % 40))
                let expected = try plain.read(entities, from: keyspace, features: Self.features, ttl: ttl, now: now)
                let got = try cached.read(entities, from: keyspace, features: Self.features, ttl: ttl, now: now)
                #expect(got == expected)
            }
            #expect(cached.rowCache.usage.bytes <= 16 * 1024)
        }
    }

    @Test func aReadThatMissedBeforeAWriteDoesNotCacheWhatItRead() throws {
        let cache = OnlineRowCache(capacity: 1 << 20)
        let key: [UInt8] = [1, 2, 3]
        guard case .miss(let epoch) = cache.lookup(key) else {
            Issue.record("an empty cache hit")
            return
        }
        // The write commits and is announced between the reader's RocksDB read and its insert.
        cache.written([key], records: [[9, 9]])
        cache.insert(key, record: [1, 1], epoch: epoch)
        guard case .miss = cache.lookup(key) else {
            Issue.record("the value read before the write was cached")
            return
        }
        // A read after the write caches; a later write replaces the cached record.
        guard case .miss(let fresh) = cache.lookup(key) else { return }
        cache.insert(key, record: [9, 9], epoch: fresh)
        cache.written([key], records: [[7]])
        guard case .hit(let record?) = cache.lookup(key) else {
            Issue.record("a cached entry was lost")
            return
        }
        #expect(record.withUnsafeBytes { Array($0) } == [7])
    }

    @Test func concurrentReadsEndOnTheLastWrite() async throws {
        let store = try Self.open(cache: 1 << 20)
        let keyspace = OnlineKeyspace(view: "v", generation: 1)
        let entities = (0..<8).map { [FeatureValue.int64(Int64($0))] }
        let rounds = 400
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for round in 1...rounds {
                    let record = OnlineRecord(
                        eventTime: Timestamp(seconds: Int64(round)), createdTime: Timestamp(seconds: 0),
                        values: [("trips", .int64(Int64(round)))])
                    try store.write(entities.map { ($0, record) }, to: keyspace)
                }
            }
            for _ in 0..<3 {
                group.addTask {
                    for _ in 0..<rounds {
                        _ = try store.read(
                            entities, from: keyspace, features: ["trips"], ttl: .zero, now: Timestamp(seconds: 0))
                    }
                }
            }
            try await group.waitForAll()
        }
        let last = try store.read(entities, from: keyspace, features: ["trips"], ttl: .zero, now: Timestamp(seconds: 0))
        #expect(last.map { $0[0].value } == Array(repeating: .int64(Int64(rounds)), count: entities.count))
    }

    @Test func manyEntitiesStayWithinTheBudget() {
        let capacity = 64 * 1024
        let cache = OnlineRowCache(capacity: capacity)
        for id in 0..<20_000 {
            let key = withUnsafeBytes(of: UInt64(id).bigEndian) { Array($0) }
            guard case .miss(let epoch) = cache.lookup(key) else { continue }
            cache.insert(key, record: [UInt8](repeating: UInt8(id % 251), count: id % 200), epoch: epoch)
            // Keep some entries hot, so the clock has marks to clear.
            if id % 7 == 0 { _ = cache.lookup(key) }
        }
        let usage = cache.usage
        #expect(usage.bytes <= capacity)
        #expect(usage.entries > 100)
        // What is cached is right.
        for id in 19_900..<20_000 {
            let key = withUnsafeBytes(of: UInt64(id).bigEndian) { Array($0) }
            if case .hit(let record?) = cache.lookup(key) {
                #expect(record.withUnsafeBytes { Array($0) } == [UInt8](repeating: UInt8(id % 251), count: id % 200))
            }
        }
    }
}
