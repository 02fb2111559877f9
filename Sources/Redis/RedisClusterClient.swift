import NIOCore
import NIOPosix
import Synchronization

/// A client of a Redis Cluster: each command goes to the master of its key's slot; a pipeline is
/// split per node and its parts run at once; `MOVED` refreshes the topology and retries on the
/// new owner, `ASK` retries once on the target after `ASKING`; at most
/// ``RedisConfiguration/maxRedirects`` redirects per command.
public final class RedisClusterClient: RedisCommandSending {
    public let seeds: [RedisAddress]
    let configuration: RedisConfiguration
    let group: any EventLoopGroup
    private let pools = Mutex<[RedisAddress: RedisConnectionPool]>([:])
    private let topology = Mutex<ClusterTopology?>(nil)

    public init(
        seeds: [RedisAddress], configuration: RedisConfiguration = RedisConfiguration(),
        group: any EventLoopGroup = RedisEventLoops.shared
    ) {
        self.seeds = seeds
        self.configuration = configuration
        self.group = group
    }

    func pool(_ address: RedisAddress) -> RedisConnectionPool {
        pools.withLock { pools in
            if let pool = pools[address] { return pool }
            let pool = RedisConnectionPool(address: address, configuration: configuration, group: group)
            pools[address] = pool
            return pool
        }
    }

    /// The current topology, read from the cluster when not known yet.
    public func currentTopology() async throws(RedisError) -> ClusterTopology {
        if let known = topology.withLock({ $0 }) { return known }
        return try await refreshTopology()
    }

    /// Asks the known masters, then the seeds, for `CLUSTER SLOTS` until one answers.
    @discardableResult
    public func refreshTopology() async throws(RedisError) -> ClusterTopology {
        var candidates = topology.withLock { $0?.masters ?? [] }
        for seed in seeds where !candidates.contains(seed) { candidates.append(seed) }
        var failures: [String] = []
        for address in candidates {
            do {
                let reply = try await pool(address).send([[Array("CLUSTER".utf8), Array("SLOTS".utf8)]])[0]
                if let message = reply.errorMessage {
                    throw RedisError(.clusterTopology, node: address, "CLUSTER SLOTS failed: \(message)")
                }
                let fresh = try ClusterTopology(slotsReply: reply, asked: address)
                topology.withLock { $0 = fresh }
                return fresh
            } catch {
                failures.append("\(error)")
            }
        }
        throw RedisError(
            .clusterTopology, node: candidates.first,
            "no cluster node answered CLUSTER SLOTS: \(failures.joined(separator: "; "))")
    }

    private enum Route: Hashable {
        case node(RedisAddress)
        case asking(RedisAddress)

        var address: RedisAddress {
            switch self {
            case .node(let address), .asking(let address): address
            }
        }
    }

    public func pipeline(_ commands: [RedisCommand]) async throws(RedisError) -> [RESPValue] {
        if commands.isEmpty { return [] }
        var replies = [RESPValue?](repeating: nil, count: commands.count)
        var current = try await currentTopology()
        var routes: [Int: Route] = [:]
        for index in commands.indices {
            routes[index] = .node(try route(commands[index], in: current))
        }
        var redirects = 0
        while !routes.isEmpty {
            var groups: [Route: [Int]] = [:]
            for index in routes.keys.sorted() { groups[routes[index]!, default: []].append(index) }
            let answered: [(Route, [Int], [RESPValue])]
            do {
                answered = try await withThrowingTaskGroup(of: (Route, [Int], [RESPValue]).self) { tasks in
                    for (route, indices) in groups {
                        tasks.addTask { [self] in
                            (route, indices, try await send(indices.map { commands[$0] }, via: route))
                        }
                    }
                    var all: [(Route, [Int], [RESPValue])] = []
                    for try await result in tasks { all.append(result) }
                    return all
                }
            } catch let error as RedisError {
                // A node that fails may have been replaced: learn the topology again for next time.
                _ = try? await refreshTopology()
                throw error
            } catch {
                throw RedisError(.connectionClosed, node: nil, "\(error)")
            }
            routes = [:]
            var moved = false
            var lastRedirect: (RedisAddress, String)?
            for (_, indices, values) in answered {
                for (index, value) in zip(indices, values) {
                    if let message = value.errorMessage, let redirect = ClusterRedirect(message) {
                        routes[index] = redirect.ask ? .asking(redirect.target) : .node(redirect.target)
                        moved = moved || !redirect.ask
                        lastRedirect = (redirect.target, message)
                    } else {
                        replies[index] = value
                    }
                }
            }
            if routes.isEmpty { break }
            redirects += 1
            if redirects > configuration.maxRedirects, let (target, message) = lastRedirect {
                throw RedisError(
                    .tooManyRedirects, node: target,
                    "still redirected after \(configuration.maxRedirects) redirects (last: \(message)); the cluster may be resharding, retry later"
                )
            }
            if moved { current = (try? await refreshTopology()) ?? current }
            // A redirect followed by another: nodes are mid-reshard; give them a moment to agree.
            if redirects > 1 { try? await Task.sleep(for: .milliseconds(min(25 * redirects, 200))) }
        }
        return replies.map { $0! }
    }

    private func route(_ command: RedisCommand, in topology: ClusterTopology) throws(RedisError) -> RedisAddress {
        guard let key = command.key else {
            guard let any = topology.masters.first ?? seeds.first else {
                throw RedisError(.clusterTopology, node: nil, "the cluster has no masters")
            }
            return any
        }
        let slot = ClusterSlot.of(key)
        guard let master = topology.master(of: slot) else {
            throw RedisError(
                .clusterTopology, node: topology.masters.first,
                "no master serves slot \(slot) (cluster state may be incomplete; check CLUSTER SLOTS)")
        }
        return master
    }

    private func send(_ commands: [RedisCommand], via route: Route) async throws(RedisError) -> [RESPValue] {
        let pool = pool(route.address)
        switch route {
        case .node:
            return try await pool.send(commands.map(\.arguments))
        case .asking:
            // Each command preceded by ASKING, which holds for the next command only.
            var interleaved: [[[UInt8]]] = []
            for command in commands { interleaved += [[Array("ASKING".utf8)], command.arguments] }
            let replies = try await pool.send(interleaved)
            return stride(from: 1, to: replies.count, by: 2).map { replies[$0] }
        }
    }

    public func close() async {
        let all = pools.withLock { pools in
            let all = Array(pools.values)
            pools = [:]
            return all
        }
        for pool in all { await pool.close() }
    }
}
