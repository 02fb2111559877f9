import Foundation
import NIOCore
import Redis
import RedisTestSupport
import Testing

@Suite struct RedisClientTests {
    func text(_ value: RESPValue) -> String? { value.string }

    @Test func pipelinedRepliesComeBackInOrder() async throws {
        try await withRedisServer { server in
            let client = RedisClient(address: server.address)
            defer { Task { await client.close() } }
            let sets = (0..<2000).map { RedisCommand("SET", ["key\($0)", "value\($0)"]) }
            let replies = try await client.pipeline(sets)
            #expect(replies.allSatisfy { $0 == .simpleString("OK") })
            // Many pipelines at once over the pool's connections, each checking its own replies.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<16 {
                    group.addTask {
                        let indices = (0..<200).map { ($0 * 7 + task * 13) % 2000 }
                        let gets = indices.map { RedisCommand("GET", ["key\($0)"]) }
                        let values = try await client.pipeline(gets)
                        for (index, value) in zip(indices, values) { #expect(value.string == "value\(index)") }
                    }
                }
                try await group.waitForAll()
            }
            // An error reply takes its place among the others.
            let mixed = try await client.pipeline([
                RedisCommand("GET", ["key1"]), RedisCommand("HGET", ["key1", "f"]), RedisCommand("GET", ["key2"]),
            ])
            #expect(mixed[0].string == "value1")
            #expect(mixed[1].errorMessage?.hasPrefix("WRONGTYPE") == true)
            #expect(mixed[2].string == "value2")
        }
    }

    @Test func typedHelpersAndScripts() async throws {
        try await withRedisServer { server in
            let client = RedisClient(address: server.address)
            defer { Task { await client.close() } }
            let key = Array("h".utf8)
            #expect(try await client.hset(key, [(Array("a".utf8), [0, 1, 2]), (Array("b".utf8), [])]) == 2)
            #expect(
                try await client.hmget(key, fields: [Array("a".utf8), Array("zz".utf8), Array("b".utf8)]) == [
                    [0, 1, 2], nil, [],
                ])
            #expect(try await client.expire(key, seconds: 100))
            #expect(try await client.expire(Array("missing".utf8), seconds: 100) == false)
            let ttl = try await client.send(RedisCommand("TTL", ["h"]))
            // At most 100 s left, and more than a starved test process could have waited.
            guard case .integer(let left) = ttl else {
                Issue.record("TTL answered \(ttl)")
                return
            }
            #expect((1...100).contains(left))

            let script = RedisScript("return {KEYS[1], ARGV[1]}")
            #expect(try await client.scriptLoad(script.source) == script.sha1)
            // After SCRIPT FLUSH the server answers NOSCRIPT; the client falls back to EVAL.
            _ = try await client.send(RedisCommand("SCRIPT", ["FLUSH"], keyed: false))
            let replies = try await client.evaluate(
                script, calls: [([Array("k".utf8)], [Array("1".utf8)]), ([Array("j".utf8)], [Array("2".utf8)])])
            #expect(
                replies == [
                    .array([.bulkString(Array("k".utf8)), .bulkString(Array("1".utf8))]),
                    .array([.bulkString(Array("j".utf8)), .bulkString(Array("2".utf8))]),
                ])
            let loaded = try await client.send(RedisCommand("SCRIPT", ["EXISTS", script.sha1], keyed: false))
            #expect(loaded == .array([.integer(1)]))
        }
    }

    @Test func aCommandPastItsTimeoutFailsNamingTheNode() async throws {
        try await withRedisServer { server in
            let client = RedisClient(
                address: server.address, configuration: RedisConfiguration(commandTimeout: .milliseconds(200)))
            defer { Task { await client.close() } }
            // BLPOP blocks for 60 s: only the client's own timeout can end it early, so the kind of
            // the failure tells (a wall-clock assertion would fail on a starved test process).
            do throws(RedisError) {
                _ = try await client.pipeline([RedisCommand("BLPOP", ["nothing", "60"])])
                Issue.record("BLPOP of an empty list answered within the timeout")
            } catch {
                #expect(error.kind == .timeout)
                #expect(error.description.contains("\(server.address)"))
            }
            // The pool replaces the closed connection (retried: on a loaded machine one PING may
            // itself pass the 200 ms timeout).
            let answered = try await eventually(timeout: .seconds(30)) {
                (try? await client.send(RedisCommand("PING", [], keyed: false))) == .simpleString("PONG")
            }
            #expect(answered)
        }
    }

    @Test func anUnreachableNodeFailsFastAndRecoversWhenBack() async throws {
        try await withRedisServer { server in
            let client = RedisClient(
                address: server.address,
                configuration: RedisConfiguration(
                    // Long enough that the attempts below surely fall inside it, however loaded the machine
                    // (3 s was passed once in a full run at load 8).
                    reconnectBackoff: .seconds(10), maxReconnectBackoff: .seconds(10)))
            defer { Task { await client.close() } }
            _ = try await client.send(RedisCommand("SET", ["k", "v"]))
            server.kill()
            var failures: [RedisError] = []
            for _ in 0..<3 {
                do throws(RedisError) { _ = try await client.send(RedisCommand("GET", ["k"])) } catch {
                    failures.append(error)
                }
            }
            #expect(failures.count == 3)
            #expect(failures.allSatisfy { $0.description.contains("127.0.0.1:\(server.port)") })
            #expect(failures.contains { $0.message.contains("next attempt in") }, "\(failures)")
            try await server.start()
            let answered = try await eventually(timeout: .seconds(60)) {
                (try? await client.send(RedisCommand("PING", [], keyed: false))) == .simpleString("PONG")
            }
            #expect(answered)
        }
    }

    @Test func connectingToAClosedPortNamesIt() async throws {
        let address = RedisAddress(host: "127.0.0.1", port: 1)
        do throws(RedisError) {
            _ = try await RedisConnection.connect(to: address, configuration: RedisConfiguration())
            Issue.record("connected to port 1")
        } catch {
            #expect(error.kind == .connectionFailed)
            #expect(error.description.contains("127.0.0.1:1"))
        }
    }
}
