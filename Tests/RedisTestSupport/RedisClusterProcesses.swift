import Foundation
import ProcessSupport
import Redis

/// A 3-master Redis Cluster of processes the tests started: slots 0-5460, 5461-10922 and
/// 10923-16383, no replicas.
public final class RedisClusterProcesses: Sendable {
    public let nodes: [RedisServerProcess]

    public var addresses: [RedisAddress] { nodes.map(\.address) }

    public init() async throws {
        var nodes: [RedisServerProcess] = []
        do {
            for _ in 0..<3 { nodes.append(try await RedisServerProcess(cluster: true)) }
            self.nodes = nodes
            try await form()
        } catch {
            for node in nodes { node.stop() }
            throw error
        }
    }

    public static let ranges = [0...5460, 5461...10922, 10923...16383]

    private func form() async throws {
        for (node, range) in zip(nodes, Self.ranges) {
            try await run(node, ["CLUSTER", "ADDSLOTSRANGE", "\(range.lowerBound)", "\(range.upperBound)"])
        }
        for node in nodes.dropFirst() {
            try await run(nodes[0], ["CLUSTER", "MEET", "127.0.0.1", "\(node.port)", "\(node.busPort!)"])
        }
        try await waitUntilStable()
    }

    /// Waits until every node reports `cluster_state:ok` and sees all three masters with their slots.
    public func waitUntilStable(timeout: TimeInterval = RedisServerProcess.startTimeout) async throws {
        var last = ""
        let stable = try await eventually(timeout: .seconds(timeout), pause: .milliseconds(100)) {
            for node in nodes {
                let info = try await run(node, ["CLUSTER", "INFO"]).string ?? ""
                last = "\(node.address): \(info)"
                if !info.contains("cluster_state:ok") || !info.contains("cluster_known_nodes:3")
                    || !info.contains("cluster_slots_assigned:16384")
                {
                    return false
                }
                if case .array(let ranges?) = try await run(node, ["CLUSTER", "SLOTS"]), ranges.count < 3 {
                    return false
                }
            }
            return true
        }
        if stable { return }
        throw HarnessError("the cluster did not become stable within \(Int(timeout)) s; last CLUSTER INFO of \(last)")
    }

    /// Runs one command on one node (throwing on an error reply).
    @discardableResult
    public func run(_ node: RedisServerProcess, _ arguments: [String]) async throws -> RESPValue {
        let client = RedisClient(address: node.address)
        defer { Task { await client.close() } }
        let reply = try await client.pipeline([RedisCommand(arguments.map { Array($0.utf8) }, keyIndex: nil)])[0]
        if let message = reply.errorMessage {
            throw HarnessError("\(arguments.joined(separator: " ")) on \(node.address) failed: \(message)")
        }
        return reply
    }

    /// Runs one command of binary arguments on one node (throwing on an error reply).
    @discardableResult
    public func run(_ node: RedisServerProcess, bytes arguments: [[UInt8]]) async throws -> RESPValue {
        let client = RedisClient(address: node.address)
        defer { Task { await client.close() } }
        let reply = try await client.pipeline([RedisCommand(arguments, keyIndex: nil)])[0]
        if let message = reply.errorMessage {
            throw HarnessError(
                "\(String(decoding: arguments.first ?? [], as: UTF8.self)) on \(node.address) failed: \(message)")
        }
        return reply
    }

    /// Moves `slot` from `source` to `target` as `redis-cli --cluster reshard` does: marks it
    /// importing and migrating, `MIGRATE`s `keys` (in groups of `batch`, pausing `pause` between
    /// them, so traffic meets a slot half moved), then, when `finish`, assigns it to the target
    /// on every node (target, source, others: the order the cluster spec gives).
    public func migrate(
        _ slot: Int, from source: RedisServerProcess, to target: RedisServerProcess, keys: [[UInt8]],
        batch: Int = .max, pause: Duration = .zero, finish: Bool = true
    ) async throws {
        let sourceID = try await id(of: source)
        let targetID = try await id(of: target)
        try await run(target, ["CLUSTER", "SETSLOT", "\(slot)", "IMPORTING", sourceID])
        try await run(source, ["CLUSTER", "SETSLOT", "\(slot)", "MIGRATING", targetID])
        var start = 0
        while start < keys.count {
            let end = min(keys.count, start + max(1, batch))
            let head = ["MIGRATE", "127.0.0.1", "\(target.port)", "", "0", "5000", "KEYS"].map { Array($0.utf8) }
            try await run(source, bytes: head + keys[start..<end])
            start = end
            if pause > .zero { try await Task.sleep(for: pause) }
        }
        if finish {
            for node in [target, source] + nodes.filter({ $0 !== target && $0 !== source }) {
                try await run(node, ["CLUSTER", "SETSLOT", "\(slot)", "NODE", targetID])
            }
        }
    }

    /// The node id of `node`.
    public func id(of node: RedisServerProcess) async throws -> String {
        try await run(node, ["CLUSTER", "MYID"]).string ?? ""
    }

    /// The node serving `slot` now.
    public func owner(of slot: Int) -> RedisServerProcess {
        nodes[Self.ranges.firstIndex { $0.contains(slot) }!]
    }

    public func stop() {
        for node in nodes { node.stop() }
    }
}

/// Runs `body` with a fresh 3-master cluster, stopping it afterwards whether `body` succeeded or threw.
public func withRedisCluster<T>(_ body: (RedisClusterProcesses) async throws -> T) async throws -> T {
    let cluster = try await RedisClusterProcesses()
    do {
        let result = try await body(cluster)
        cluster.stop()
        return result
    } catch {
        cluster.stop()
        throw error
    }
}
