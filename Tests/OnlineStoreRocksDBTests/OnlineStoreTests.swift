import FeatureStoreCore
import Foundation
import OnlineStoreRocksDB
import Testing

@Suite struct OnlineStoreTests {
    static func open() throws -> OnlineStore {
        try OnlineStore(
            path: (NSTemporaryDirectory() as NSString).appendingPathComponent("online-\(UUID().uuidString)"))
    }

    static let keyspace = OnlineKeyspace(view: "driver_stats", generation: 1)

    static func record(_ event: Int64, _ created: Int64, _ rate: Double?) -> OnlineRecord {
        OnlineRecord(
            eventTime: Timestamp(seconds: event), createdTime: Timestamp(seconds: created),
            values: [("rate", rate.map(FeatureValue.float64) ?? .null), ("trips", .int64(event))])
    }

    @Test func olderRowsNeverReplaceNewerOnes() throws {
        let store = try Self.open()
        let key: [FeatureValue] = [.int64(7)]
        #expect(try store.write([(key, Self.record(100, 100, 1))], to: Self.keyspace) == 1)
        // An older event is ignored.
        #expect(try store.write([(key, Self.record(90, 200, 2))], to: Self.keyspace) == 0)
        // The same event with an older created time is ignored; a later one wins. Equal times: the
        // later write wins (the later arrival, as offline), and the very same row writes nothing.
        #expect(try store.write([(key, Self.record(100, 99, 3))], to: Self.keyspace) == 0)
        #expect(try store.write([(key, Self.record(100, 100, 1))], to: Self.keyspace) == 0)
        #expect(try store.write([(key, Self.record(100, 100, 4))], to: Self.keyspace) == 1)
        #expect(try store.record(key, in: Self.keyspace) == Self.record(100, 100, 4))
        #expect(try store.write([(key, Self.record(100, 101, 5))], to: Self.keyspace) == 1)
        #expect(try store.record(key, in: Self.keyspace) == Self.record(100, 101, 5))
        // Within one batch, the newest row per key wins whatever the order.
        let batch = [(key, Self.record(300, 1, 8)), (key, Self.record(400, 1, 9)), (key, Self.record(200, 1, 7))]
        #expect(try store.write(batch, to: Self.keyspace) == 1)
        #expect(try store.record(key, in: Self.keyspace) == Self.record(400, 1, 9))
    }

    @Test func readGivesStatusesByTtlWithAnInjectedClock() throws {
        let store = try Self.open()
        try store.write(
            [([.int64(1)], Self.record(1000, 1000, 0.5)), ([.int64(2)], Self.record(1000, 1000, nil))],
            to: Self.keyspace)
        let entities: [[FeatureValue]] = [[.int64(1)], [.int64(2)], [.int64(3)]]
        let fresh = try store.read(
            entities, from: Self.keyspace, features: ["rate", "trips", "nope"], ttl: .seconds(100),
            now: Timestamp(seconds: 1100))
        #expect(fresh[0].map(\.status) == [.present, .present, .nullValue])
        #expect(fresh[0][0].value == .float64(0.5))
        #expect(fresh[0][0].eventTime == Timestamp(seconds: 1000))
        #expect(fresh[1].map(\.status) == [.nullValue, .present, .nullValue])
        #expect(fresh[2] == [OnlineValue.notFound, .notFound, .notFound])
        // One microsecond past the ttl, values are outside max age; ttl 0 never expires.
        let stale = try store.read(
            entities, from: Self.keyspace, features: ["rate"], ttl: .seconds(100),
            now: Timestamp(microseconds: 1_100_000_001))
        #expect(stale[0] == [OnlineValue(value: .null, status: .outsideMaxAge, eventTime: Timestamp(seconds: 1000))])
        let forever = try store.read(
            entities, from: Self.keyspace, features: ["rate"], ttl: .zero, now: Timestamp(seconds: 1_000_000))
        #expect(forever[0][0].status == .present)
    }

    @Test func keyspacesAreSeparateAndStaleOnesAreDropped() throws {
        let store = try Self.open()
        let next = OnlineKeyspace(view: "driver_stats", generation: 2)
        let other = OnlineKeyspace(view: "driver_stats_2", generation: 1)
        for keyspace in [Self.keyspace, next, other] {
            try store.write([([.string("a")], Self.record(1, 1, 1))], to: keyspace)
        }
        #expect(Set(try store.keyspaces()) == [Self.keyspace, next, other])
        try store.dropKeyspaces(except: [next, other])
        #expect(try store.record([.string("a")], in: Self.keyspace) == nil)
        #expect(try store.record([.string("a")], in: next) != nil)
        #expect(try store.record([.string("a")], in: other) != nil)
        #expect(Set(try store.keyspaces()) == [next, other])
    }

    @Test func aSecondOpenOfTheSameStoreIsLocked() throws {
        let store = try Self.open()
        let error = #expect(throws: FeatureStoreError.self) { try OnlineStore(path: store.path) }
        #expect(error?.code == .locked)
    }
}
