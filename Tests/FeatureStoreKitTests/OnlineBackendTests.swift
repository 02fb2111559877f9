import Foundation
import PostgresTestSupport
import RedisTestSupport
import Testing

@testable import FeatureStoreKit

/// The online stores behind ``OnlineStoreBackend``, each test run against RocksDB, one Redis
/// server and a 3-master Redis Cluster: what a lookup sees must not depend on the backend.
enum BackendKind: String, CaseIterable, CustomTestStringConvertible {
    case rocksdb, redis, cluster
    var testDescription: String { rawValue }

    func run(_ body: (any OnlineStoreBackend) async throws -> Void) async throws {
        switch self {
        case .rocksdb:
            let path = NSTemporaryDirectory() + "fs-backend-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: path) }
            try await body(try OnlineStore(path: path))
        case .redis:
            try await withRedisServer { server in
                let backend = RedisBackend(
                    settings: RedisOnlineStoreSettings(
                        kind: .redis, nodes: [.init(host: "127.0.0.1", port: server.port)]),
                    project: "demo")
                do { try await body(backend) } catch {
                    await backend.shutdown()
                    throw error
                }
                await backend.shutdown()
            }
        case .cluster:
            try await withRedisCluster { cluster in
                let backend = RedisBackend(
                    settings: RedisOnlineStoreSettings(
                        kind: .redisCluster, nodes: cluster.nodes.map { .init(host: "127.0.0.1", port: $0.port) }),
                    project: "demo")
                do { try await body(backend) } catch {
                    await backend.shutdown()
                    throw error
                }
                await backend.shutdown()
            }
        }
    }
}

private func at(_ seconds: Int64) -> Timestamp { Timestamp(microseconds: seconds * 1_000_000) }

private func record(_ event: Int64, _ created: Int64, _ rate: Double?, _ trips: Int64) -> OnlineRecord {
    OnlineRecord(
        eventTime: at(event), createdTime: at(created),
        values: [("conv_rate", rate.map { .float64($0) } ?? .null), ("trips", .int64(trips))])
}

@Suite struct OnlineBackendTests {
    let table = OnlineTable(view: "driver_stats", generation: 1, joinKeys: ["driver_id"])
    let features = ["conv_rate", "trips", "missing"]

    @Test(arguments: BackendKind.allCases) func rowsReadBackWithStatusesAndTTL(kind: BackendKind) async throws {
        try await kind.run { (store) async throws in
            let written = try await store.write(
                [([.int64(1)], record(100, 100, 0.5, 7)), ([.int64(2)], record(50, 50, nil, 3))], to: table)
            #expect(written == 2)
            let rows = try await store.read(
                [[.int64(1)], [.int64(2)], [.int64(3)]], from: table, features: features, ttl: .seconds(60),
                now: at(130))
            #expect(rows[0].map(\.status) == [.present, .present, .nullValue])
            #expect(rows[0].map(\.value) == [.float64(0.5), .int64(7), .null])
            #expect(rows[0][0].eventTime == at(100))
            // Older than the ttl: outside max age, with null values.
            #expect(rows[1].map(\.status) == [.outsideMaxAge, .outsideMaxAge, .outsideMaxAge])
            #expect(rows[1].map(\.value) == [.null, .null, .null])
            #expect(rows[2].map(\.status) == [.notFound, .notFound, .notFound])
        }
    }

    @Test(arguments: BackendKind.allCases) func writesNeverMoveAValueBackInTime(kind: BackendKind) async throws {
        let table = self.table
        try await kind.run { (store) async throws in
            func trips() async throws -> FeatureValue {
                try await store.read([[.int64(1)]], from: table, features: ["trips"], ttl: .zero, now: at(1000))[0][0]
                    .value
            }
            #expect(try await store.write([([.int64(1)], record(100, 100, 0.1, 1))], to: table) == 1)
            #expect(try await store.write([([.int64(1)], record(90, 200, 0.1, 2))], to: table) == 0)
            #expect(try await trips() == .int64(1))
            // Same event time, later created time: replaces.
            #expect(try await store.write([([.int64(1)], record(100, 150, 0.1, 3))], to: table) == 1)
            #expect(try await trips() == .int64(3))
            // Same times: the later arrival wins.
            #expect(try await store.write([([.int64(1)], record(100, 150, 0.1, 4))], to: table) == 1)
            #expect(try await trips() == .int64(4))
            // Within one batch, the newest row per entity.
            _ = try await store.write(
                [([.int64(2)], record(300, 300, 0.1, 9)), ([.int64(2)], record(200, 200, 0.1, 8))], to: table)
            #expect(
                try await store.read([[.int64(2)]], from: table, features: ["trips"], ttl: .zero, now: at(1000))[0][0]
                    .value == .int64(9))
            // The synchronous path (materialization) keeps the same rule.
            #expect(
                try await offPool { try store.writeSynchronously([([.int64(1)], record(99, 999, 0.1, 5))], to: table) }
                    == 0)
            #expect(
                try await offPool { try store.writeSynchronously([([.int64(1)], record(101, 0, 0.1, 6))], to: table) }
                    == 1)
            #expect(try await trips() == .int64(6))
        }
    }

    @Test(arguments: BackendKind.allCases) func generationsDoNotSeeEachOthersRows(kind: BackendKind) async throws {
        try await kind.run { (store) async throws in
            let second = OnlineTable(view: "driver_stats", generation: 2, joinKeys: ["driver_id"])
            _ = try await store.write([([.int64(1)], record(500, 500, 0.5, 1))], to: table)
            // A breaking change: the new generation starts empty, and its older row is served.
            #expect(
                try await store.read([[.int64(1)]], from: second, features: ["trips"], ttl: .zero, now: at(1000))[0][0]
                    .status == .notFound)
            #expect(try await store.write([([.int64(1)], record(100, 100, 0.5, 2))], to: second) == 1)
            let read = try await store.read(
                [[.int64(1)]], from: second, features: ["trips"], ttl: .zero, now: at(1000))[0][0]
            #expect(read.value == .int64(2))
            #expect(read.eventTime == at(100))
            // A late writer of the old generation never replaces the new generation's row.
            _ = try await store.write([([.int64(1)], record(900, 900, 0.5, 3))], to: table)
            #expect(
                try await store.read([[.int64(1)]], from: second, features: ["trips"], ttl: .zero, now: at(1000))[0][0]
                    .value == .int64(2))
        }
    }

    @Test(arguments: BackendKind.allCases) func takeBackReplacesOnlyTheShownVersion(kind: BackendKind) async throws {
        try await kind.run { (store) async throws in
            let table = self.table
            _ = try await store.write(
                [
                    ([.int64(1)], record(100, 100, 0.1, 1)), ([.int64(2)], record(200, 200, 0.2, 2)),
                    ([.int64(3)], record(300, 300, 0.3, 3)),
                ], to: table)
            let times = try await offPool { try store.storedTimes([[.int64(1)], [.int64(4)]], in: table) }
            #expect(times.count == 2)
            #expect(times[0].map { [$0.event, $0.created] } == [at(100), at(100)])
            #expect(times[1] == nil)
            let changed = try await offPool {
                try store.takeBack(
                    [
                        // Shows the replaced version: goes back to an older row.
                        OnlineStore.TakeBack(
                            key: [.int64(1)], replaced: (at(100), at(100)), record: record(50, 50, 0.0, 10)),
                        // Shows another version: left alone.
                        OnlineStore.TakeBack(
                            key: [.int64(2)], replaced: (at(150), at(150)), record: record(1, 1, 0.0, 20)),
                        // Shows the replaced version and nothing remains: removed.
                        OnlineStore.TakeBack(key: [.int64(3)], replaced: (at(300), at(300)), record: nil),
                    ], in: table, features: ["conv_rate", "trips"])
            }
            #expect(changed == 2)
            let rows = try await store.read(
                [[.int64(1)], [.int64(2)], [.int64(3)]], from: table, features: ["trips"], ttl: .zero, now: at(1000))
            #expect(rows.map { $0[0].value } == [.int64(10), .int64(2), .null])
            #expect(rows.map { $0[0].status } == [.present, .present, .notFound])
        }
    }

    /// Random writes of many rows per batch, checked after each batch against a dictionary that
    /// keeps the newest row per entity (the brute-force reference), including equal times.
    @Test(arguments: BackendKind.allCases) func matchesTheNewestRowModel(kind: BackendKind) async throws {
        try await kind.run { (store) async throws in
            for seed in UInt64(1)...5 {
                var random = SplitMix64(seed: seed)
                let table = OnlineTable(view: "v\(seed)", generation: 1, joinKeys: ["id"])
                var model: [Int64: OnlineRecord] = [:]
                for _ in 0..<20 {
                    var batch: [(key: [FeatureValue], record: OnlineRecord)] = []
                    for _ in 0..<Int(random.next() % 20) {
                        let id = Int64(random.next() % 15) - 7
                        let event = Int64(random.next() % 5)
                        let created = Int64(random.next() % 3)
                        let row = record(
                            event, created, Double(random.next() % 100) / 8, Int64(bitPattern: random.next()))
                        batch.append(([.int64(id)], row))
                        if let old = model[id], old.isNewer(than: (row.eventTime, row.createdTime)) { continue }
                        model[id] = row
                    }
                    _ = try await store.write(batch, to: table)
                    let ids = Array(Int64(-7)...7)
                    let rows = try await store.read(
                        ids.map { [.int64($0)] }, from: table, features: ["conv_rate", "trips"], ttl: .zero, now: at(10)
                    )
                    for (index, id) in ids.enumerated() {
                        let expected = model[id].map { $0.values.map(\.value) } ?? [.null, .null]
                        #expect(rows[index].map(\.value) == expected, "seed \(seed), entity \(id)")
                    }
                }
            }
        }
    }

    /// Several views in one call (Redis: one HMGET per entity key for all its views) answer what
    /// one call per view answers, with views sharing an entity, a view keyed otherwise, repeated
    /// and missing entities, and a ttl.
    @Test(arguments: BackendKind.allCases) func severalViewsAtOnceEqualOneViewAtATime(kind: BackendKind) async throws {
        try await kind.run { (store) async throws in
            let stats = OnlineTable(view: "stats", generation: 1, joinKeys: ["driver_id"])
            let live = OnlineTable(view: "live", generation: 2, joinKeys: ["driver_id"])
            let pairs = OnlineTable(view: "pairs", generation: 1, joinKeys: ["driver_id", "rider_id"])
            _ = try await store.write(
                [([.int64(1)], record(100, 100, 0.5, 1)), ([.int64(2)], record(10, 10, 0.25, 2))], to: stats)
            _ = try await store.write([([.int64(1)], record(200, 200, nil, 3))], to: live)
            _ = try await store.write([([.int64(1), .int64(7)], record(300, 300, 0.75, 4))], to: pairs)
            let reads = [
                OnlineViewRead(
                    table: stats, entities: [[.int64(1)], [.int64(2)], [.int64(1)], [.int64(3)]],
                    features: ["trips", "conv_rate"], ttl: .seconds(60)),
                OnlineViewRead(
                    table: live, entities: [[.int64(1)], [.int64(2)], [.int64(1)], [.int64(3)]],
                    features: ["conv_rate", "trips"], ttl: .zero),
                OnlineViewRead(
                    table: pairs,
                    entities: [
                        [.int64(1), .int64(7)], [.int64(1), .int64(8)], [.int64(1), .int64(7)], [.int64(3), .int64(7)],
                    ], features: ["trips"], ttl: .zero),
            ]
            let together = try await store.read(reads, now: at(150))
            for (read, rows) in zip(reads, together) {
                let alone = try await store.read(
                    read.entities, from: read.table, features: read.features, ttl: read.ttl, now: at(150))
                #expect(rows == alone, "\(read.table.view)")
            }
            #expect(together[0].map { $0[0].status } == [.present, .outsideMaxAge, .present, .notFound])
            #expect(together[1].map { $0[1].value } == [.int64(3), .null, .int64(3), .null])
            #expect(together[2].map { $0[0].value } == [.int64(4), .null, .int64(4), .null])
        }
    }

    @Test(arguments: BackendKind.allCases) func oneSchedulerHoldsTheLease(kind: BackendKind) async throws {
        try await kind.run { (store) async throws in
            #expect(try await store.holdSchedulerLease(holder: "a", for: .seconds(30)))
            #expect(try await store.holdSchedulerLease(holder: "a", for: .seconds(30)))
            guard store.isShared else { return }
            #expect(try await !store.holdSchedulerLease(holder: "b", for: .seconds(30)))
            // Renewed for a moment, then not again: it expires and another server takes it.
            #expect(try await store.holdSchedulerLease(holder: "a", for: .milliseconds(100)))
            #expect(
                try await eventually(timeout: .seconds(10)) {
                    try await store.holdSchedulerLease(holder: "b", for: .seconds(30))
                })
            #expect(try await !store.holdSchedulerLease(holder: "a", for: .seconds(30)))
        }
    }

    @Test(arguments: BackendKind.allCases) func checkAnswersWhenTheStoreDoes(kind: BackendKind) async throws {
        try await kind.run { (store) async throws in
            try await offPool { try store.check() }
        }
    }
}
