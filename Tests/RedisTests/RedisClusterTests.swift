import Foundation
import NIOCore
import Redis
import RedisTestSupport
import Testing

@Suite struct RedisClusterTests {
    @Test func commandsRouteToEachSlotsMasterAcrossAllNodes() async throws {
        try await withRedisCluster { cluster in
            let client = RedisClusterClient(seeds: [cluster.addresses[0]])
            defer { Task { await client.close() } }
            let keys = (0..<300).map { "key:\($0)" } + (0..<20).map { "{tag}.\($0)" }
            let sets = keys.map { RedisCommand("SET", [$0, "v-\($0)"]) }
            #expect(try await client.pipeline(sets).allSatisfy { $0 == .simpleString("OK") })
            for key in keys {
                // Our slot agrees with the server's, and the key lives on that slot's master.
                let slot = ClusterSlot.of(Array(key.utf8))
                #expect(try await cluster.run(cluster.nodes[0], ["CLUSTER", "KEYSLOT", key]) == .integer(Int64(slot)))
                let owner = cluster.owner(of: slot)
                #expect(try await cluster.run(owner, ["EXISTS", key]) == .integer(1), "\(key) on \(owner.address)")
            }
            // Every node holds its share, and together exactly the keys written.
            var perNode: [Int64] = []
            for node in cluster.nodes {
                guard case .integer(let size) = try await cluster.run(node, ["DBSIZE"]) else {
                    throw HarnessError("DBSIZE")
                }
                perNode.append(size)
            }
            #expect(perNode.allSatisfy { $0 > 50 }, "\(perNode)")
            #expect(perNode.reduce(0, +) == Int64(keys.count))
            let values = try await client.pipeline(keys.map { RedisCommand("GET", [$0]) })
            #expect(values.map(\.string) == keys.map { "v-\($0)" })
        }
    }

    /// Moves `slot` from its owner to `target` by hand, as `redis-cli --cluster reshard` does;
    /// `finish: false` stops half way (keys moved, slot still owned by the source: ASK).
    func migrate(
        _ slot: Int, keys: [String], to target: RedisServerProcess, in cluster: RedisClusterProcesses, finish: Bool
    )
        async throws
    {
        try await cluster.migrate(
            slot, from: cluster.owner(of: slot), to: target, keys: keys.map { Array($0.utf8) }, finish: finish)
    }

    @Test func movedSlotIsFollowedAndTheTopologyRefreshed() async throws {
        try await withRedisCluster { cluster in
            let client = RedisClusterClient(seeds: cluster.addresses)
            defer { Task { await client.close() } }
            let keys = ["{moving}.a", "{moving}.b"]
            _ = try await client.pipeline(keys.map { RedisCommand("SET", [$0, $0]) })
            let slot = ClusterSlot.of(Array("moving".utf8))
            let source = cluster.owner(of: slot)
            let target = cluster.nodes.first { $0 !== source }!
            #expect(try await client.currentTopology().master(of: slot) == source.address)
            try await migrate(slot, keys: keys, to: target, in: cluster, finish: true)
            // The client still believes the old owner: MOVED, refresh, retry.
            let values = try await client.pipeline(keys.map { RedisCommand("GET", [$0]) })
            #expect(values.map(\.string) == keys)
            #expect(try await client.currentTopology().master(of: slot) == target.address)
        }
    }

    @Test func askDuringMigrationIsFollowedOnTheTarget() async throws {
        try await withRedisCluster { cluster in
            let client = RedisClusterClient(seeds: cluster.addresses)
            defer { Task { await client.close() } }
            let moved = ["{asking}.moved"]
            let stays = "{asking}.stays"
            _ = try await client.pipeline((moved + [stays]).map { RedisCommand("SET", [$0, $0]) })
            let slot = ClusterSlot.of(Array("asking".utf8))
            let source = cluster.owner(of: slot)
            let target = cluster.nodes.first { $0 !== source }!
            try await migrate(slot, keys: moved, to: target, in: cluster, finish: false)
            // The source answers ASK for the moved key; the client asks the target with ASKING.
            let direct = try await RedisClient(address: source.address).pipeline([RedisCommand("GET", moved)])
            #expect(direct[0].errorMessage?.hasPrefix("ASK \(slot) ") == true)
            let values = try await client.pipeline([RedisCommand("GET", moved), RedisCommand("GET", [stays])])
            #expect(values.map(\.string) == [moved[0], stays])
            // ASK does not change the topology: the slot is still the source's.
            #expect(try await client.currentTopology().master(of: slot) == source.address)
        }
    }

    @Test func redirectsAreBounded() async throws {
        try await withRedisCluster { cluster in
            let client = RedisClusterClient(
                seeds: cluster.addresses, configuration: RedisConfiguration(maxRedirects: 0))
            defer { Task { await client.close() } }
            let slot = ClusterSlot.of(Array("bounded".utf8))
            let target = cluster.nodes.first { $0 !== cluster.owner(of: slot) }!
            _ = try await client.currentTopology()
            try await migrate(slot, keys: [], to: target, in: cluster, finish: true)
            do throws(RedisError) {
                _ = try await client.pipeline([RedisCommand("GET", ["{bounded}"])])
                Issue.record("a redirect was followed with maxRedirects 0")
            } catch {
                #expect(error.kind == .tooManyRedirects)
                #expect(error.description.contains("\(target.address)"))
            }
        }
    }

    @Test func aKilledNodeIsNamedAndARestartedOneRecovers() async throws {
        try await withRedisCluster { cluster in
            let client = RedisClusterClient(
                seeds: cluster.addresses,
                configuration: RedisConfiguration(
                    connectTimeout: .seconds(2), reconnectBackoff: .milliseconds(50),
                    maxReconnectBackoff: .milliseconds(200)))
            defer { Task { await client.close() } }
            let victim = cluster.nodes[2]
            let keyOnVictim = (0..<1000).map { "k\($0)" }.first {
                cluster.owner(of: ClusterSlot.of(Array($0.utf8))) === victim
            }!
            let keyElsewhere = (0..<1000).map { "k\($0)" }.first {
                cluster.owner(of: ClusterSlot.of(Array($0.utf8))) !== victim
            }!
            _ = try await client.pipeline([
                RedisCommand("SET", [keyOnVictim, "1"]), RedisCommand("SET", [keyElsewhere, "2"]),
            ])
            victim.kill()
            do throws(RedisError) {
                _ = try await client.pipeline([RedisCommand("GET", [keyOnVictim])])
                Issue.record("a GET on a killed node succeeded")
            } catch {
                #expect(error.description.contains("\(victim.address)"), "\(error)")
            }
            // Other slots keep working (the cluster does not require full coverage).
            #expect(try await client.send(RedisCommand("GET", [keyElsewhere])).string == "2")
            try await victim.start()
            // The restarted node lost its data (no persistence) but serves its slots again.
            let recovered = try await eventually(timeout: .seconds(20), pause: .milliseconds(100)) {
                (try? await client.send(RedisCommand("SET", [keyOnVictim, "3"]))) == .simpleString("OK")
            }
            #expect(recovered)
            #expect(try await client.send(RedisCommand("GET", [keyOnVictim])).string == "3")
        }
    }
}
