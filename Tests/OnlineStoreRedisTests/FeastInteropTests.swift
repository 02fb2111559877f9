import FeatureStoreCore
import Foundation
import OnlineStoreRedis
import Redis
import Testing

/// The fs half of scripts/redis-interop (Feast's Python SDK on the other side): runs only when the
/// script sets `FS_REDIS_INTEROP` to the Redis server's `host:port`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["FS_REDIS_INTEROP"] != nil))
struct FeastInteropTests {
    let keyspace = RedisOnlineKeyspace(project: "demo", view: "driver_stats", joinKeys: ["driver_id"])
    let features = ["conv_rate", "trips", "name"]

    func store() throws -> RedisOnlineStore {
        let text = ProcessInfo.processInfo.environment["FS_REDIS_INTEROP"] ?? ""
        let address = try #require(RedisAddress(text), "FS_REDIS_INTEROP='\(text)' is not host:port")
        return RedisOnlineStore(client: RedisClient(address: address))
    }

    /// What fs writes for Feast to read (scripts/lib/redis_interop.py checks the same values).
    @Test func writeRowsForFeast() async throws {
        let event = Timestamp(seconds: 1_767_323_045)  // 2026-01-02T03:04:05Z
        let rows: [(key: [FeatureValue], row: RedisOnlineRow)] = [
            (
                [.int64(1001)],
                RedisOnlineRow(
                    eventTime: event, createdTime: event,
                    values: ["conv_rate": .float64(0.75), "trips": .int64(3), "name": .string("alice")])
            ),
            (
                [.int64(1002)],
                RedisOnlineRow(
                    eventTime: event, createdTime: event,
                    values: ["conv_rate": .float64(0.5), "trips": .int64(-7), "name": .string("bob é")])
            ),
        ]
        #expect(try await store().write(rows, to: keyspace) == 2)
    }

    /// What Feast wrote (scripts/lib/redis_interop.py, `write_to_online_store`), read by fs.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["FS_REDIS_INTEROP_READ"] != nil))
    func readRowsFeastWrote() async throws {
        let read = try await store().read(
            [[.int64(2001)], [.int64(1001)]], from: keyspace, features: features, ttl: .zero,
            now: Timestamp(seconds: 1_800_000_000))
        let event = Timestamp(seconds: 1_767_398_400)  // 2026-01-03T00:00:00Z
        #expect(read[0].map(\.value) == [.float64(0.25), .int64(42), .string("carol")])
        #expect(read[0].allSatisfy { $0.status == .present && $0.eventTime == event })
        // Feast's write of 1001 (later event) replaced fs's row.
        #expect(read[1].map(\.value) == [.float64(0.125), .int64(5), .string("alice 2")])
    }
}
