import FeatureStoreCore
import Foundation
import NIOCore
import OnlineStoreRedis
import Redis
import RedisTestSupport
import Synchronization
import Testing

/// The Redis online store on a 3-master cluster under a load of lookups and monotonic writes
/// while the cluster changes under it: a slot resharded key by key, a master killed and
/// restarted. A lookup may fail only while a node is down, and no lookup ever sees a wrong value:
/// a row whose feature disagrees with its own event time (torn), or older than a row the same
/// reader saw before (moved back in time).
@Suite struct ClusterFaultTests {
    let keyspace = RedisOnlineKeyspace(project: "faults", view: "v", joinKeys: ["id"])
    static let entities = 400

    /// Counts of what the load saw.
    final class Tally: Sendable {
        let reads = Mutex(0)
        let errors = Mutex<[String]>([])
        let wrong = Mutex<[String]>([])
        /// Set to end the load.
        let stop = Mutex(false)
        /// Rows read as absent (a restarted node lost its data: absent, never wrong).
        let absent = Mutex(0)
    }

    /// Row `version` of entity `id`: event time `version` s, feature `n` = version (so a read can
    /// tell a torn or mixed row from a whole one).
    static func row(_ version: Int64) -> RedisOnlineRow {
        RedisOnlineRow(
            eventTime: Timestamp(seconds: version), createdTime: Timestamp(seconds: version),
            values: ["n": .int64(version)])
    }

    /// Readers and one writer until `stop`: the writer moves every entity forward one version at
    /// a time; each reader checks every row it reads against itself and against what it read before.
    func load(_ store: RedisOnlineStore, tally: Tally) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                var version: Int64 = 2
                while !tally.stop.withLock({ $0 }) {
                    let rows = (0..<Self.entities).map { ([FeatureValue.int64(Int64($0))], Self.row(version)) }
                    do { _ = try await store.write(rows, to: keyspace) } catch {
                        tally.errors.withLock { $0.append("write: \(error)") }
                    }
                    version += 1
                }
            }
            for reader in 0..<3 {
                group.addTask {
                    var seen = [Int64](repeating: 0, count: Self.entities)
                    var random = SplitMix64(seed: UInt64(reader + 1))
                    while !tally.stop.withLock({ $0 }) {
                        let ids = (0..<20).map { _ in Int(random.next() % UInt64(Self.entities)) }
                        do {
                            let rows = try await store.read(
                                ids.map { [.int64(Int64($0))] }, from: keyspace, features: ["n"], ttl: .zero,
                                now: Timestamp(seconds: 1 << 40))
                            tally.reads.withLock { $0 += 1 }
                            for (id, row) in zip(ids, rows) {
                                let value = row[0]
                                if value.status == .notFound {
                                    tally.absent.withLock { $0 += 1 }
                                    continue
                                }
                                guard value.status == .present, case .int64(let n) = value.value else {
                                    tally.wrong.withLock { $0.append("entity \(id): \(value)") }
                                    continue
                                }
                                if value.eventTime != Timestamp(seconds: n) || n < seen[id] {
                                    tally.wrong.withLock {
                                        $0.append(
                                            "entity \(id): \(n) at \(value.eventTime.map(\.rfc3339) ?? "no time"), seen \(seen[id]) before"
                                        )
                                    }
                                }
                                seen[id] = max(seen[id], n)
                            }
                        } catch {
                            tally.errors.withLock { $0.append("read: \(error)") }
                        }
                    }
                }
            }
        }
    }

    @Test func reshardingASlotUnderLoadLosesNothingAndFailsNothing() async throws {
        try await withRedisCluster { cluster in
            let client = RedisClusterClient(seeds: cluster.addresses)
            defer { Task { await client.close() } }
            let store = RedisOnlineStore(client: client)
            _ = try await store.write((0..<Self.entities).map { ([.int64(Int64($0))], Self.row(1)) }, to: keyspace)
            // The busiest slot among the entities' keys moves to another master, key by key.
            let keys = try (0..<Self.entities).map { try keyspace.key([.int64(Int64($0))]) }
            let bySlot = Dictionary(grouping: keys) { ClusterSlot.of($0) }
            let (slot, moving) = try #require(bySlot.max { $0.value.count < $1.value.count })
            let source = cluster.owner(of: slot)
            let target = try #require(cluster.nodes.first { $0 !== source })

            let tally = Tally()
            async let running: Void = load(store, tally: tally)
            try await Task.sleep(for: .milliseconds(300))
            let readsBefore = tally.reads.withLock { $0 }
            try await cluster.migrate(
                slot, from: source, to: target, keys: moving, batch: 1, pause: .milliseconds(20), finish: true)
            try await Task.sleep(for: .milliseconds(300))
            tally.stop.withLock { $0 = true }
            await running

            #expect(tally.errors.withLock { $0 }.isEmpty, "\(tally.errors.withLock { Array($0.prefix(5)) })")
            #expect(tally.wrong.withLock { $0 }.isEmpty, "\(tally.wrong.withLock { Array($0.prefix(5)) })")
            #expect(tally.absent.withLock { $0 } == 0)
            #expect(tally.reads.withLock { $0 } > readsBefore, "the load stopped during the migration")
            #expect(try await client.currentTopology().master(of: slot) == target.address)
        }
    }

    @Test func aKilledMasterFailsOnlyItsOwnLookupsAndTheStoreRecovers() async throws {
        try await withRedisCluster { cluster in
            let client = RedisClusterClient(
                seeds: cluster.addresses,
                configuration: RedisConfiguration(
                    connectTimeout: .seconds(2), commandTimeout: .seconds(5),
                    reconnectBackoff: .milliseconds(50),
                    maxReconnectBackoff: .milliseconds(200)))
            defer { Task { await client.close() } }
            let store = RedisOnlineStore(client: client)
            _ = try await store.write((0..<Self.entities).map { ([.int64(Int64($0))], Self.row(1)) }, to: keyspace)
            let victim = cluster.nodes[1]
            let owners = try (0..<Self.entities).map {
                cluster.owner(of: ClusterSlot.of(try keyspace.key([.int64(Int64($0))])))
            }
            let onVictim = try #require(owners.firstIndex { $0 === victim })
            let elsewhere = try #require(owners.firstIndex { $0 !== victim })

            let tally = Tally()
            async let running: Void = load(store, tally: tally)
            try await Task.sleep(for: .milliseconds(200))
            victim.kill()
            // Its entities fail naming it, as `unavailable`; the others are still served.
            do {
                _ = try await store.read(
                    [[.int64(Int64(onVictim))]], from: keyspace, features: ["n"], ttl: .zero, now: Timestamp(seconds: 1)
                )
                Issue.record("a read of a killed node's entity succeeded")
            } catch let error as FeatureStoreError {
                #expect(error.code == .unavailable)
                #expect(error.message.contains("\(victim.address)"), "\(error)")
            }
            let other = try await store.read(
                [[.int64(Int64(elsewhere))]], from: keyspace, features: ["n"], ttl: .zero,
                now: Timestamp(seconds: 1 << 40))
            #expect(other[0][0].status == .present)
            try await victim.start()
            try await cluster.waitUntilStable()
            let recovered = try await eventually(timeout: .seconds(20), pause: .milliseconds(100)) {
                (try? await store.read(
                    [[.int64(Int64(onVictim))]], from: keyspace, features: ["n"], ttl: .zero,
                    now: Timestamp(seconds: 1 << 40))) != nil
            }
            #expect(recovered)
            try await Task.sleep(for: .milliseconds(300))
            tally.stop.withLock { $0 = true }
            await running
            // Errors only name the killed node; no wrong value (its entities came back absent, the
            // node having lost its data, until the writer wrote them again).
            let errors = tally.errors.withLock { $0 }
            #expect(!errors.isEmpty)
            // (or, while the restarted node rejoins, CLUSTERDOWN: unavailable too).
            let strays = errors.filter { !$0.contains("\(victim.address)") && !$0.contains("answered CLUSTERDOWN") }
            #expect(strays.isEmpty, "\(strays.prefix(5))")
            #expect(tally.wrong.withLock { $0 }.isEmpty, "\(tally.wrong.withLock { Array($0.prefix(5)) })")
        }
    }
}
