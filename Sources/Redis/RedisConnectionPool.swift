import NIOCore
import NIOPosix
import Synchronization

/// A few connections to one node, used in turn. A closed connection is replaced on next use;
/// after a failed connect the node is given a growing rest (``RedisConfiguration/backoff(afterFailures:)``)
/// during which commands fail at once with the last error, instead of each waiting for a timeout.
public final class RedisConnectionPool: Sendable {
    public let address: RedisAddress
    let configuration: RedisConfiguration
    let group: any EventLoopGroup
    private let state: Mutex<State>

    private enum Slot {
        case empty
        case connecting(EventLoopFuture<RedisConnection>)
        case ready(RedisConnection)
    }

    private struct State {
        var slots: [Slot]
        var next = 0
        var failures = 0
        var retryAt: NIODeadline?
        var lastError: RedisError?
        var closed = false
    }

    private enum Step {
        case use(RedisConnection)
        case wait(EventLoopFuture<RedisConnection>)
        case fail(RedisError)
    }

    public init(
        address: RedisAddress, configuration: RedisConfiguration,
        group: any EventLoopGroup = RedisEventLoops.shared
    ) {
        self.address = address
        self.configuration = configuration
        self.group = group
        state = Mutex(State(slots: Array(repeating: .empty, count: configuration.connectionsPerNode)))
    }

    /// A connection to use now: an open one, or one just made.
    public func connection() async throws(RedisError) -> RedisConnection {
        let step: Step = state.withLock { state in
            if state.closed { return .fail(RedisError(.connectionClosed, node: address, "the client was closed")) }
            let index = state.next % state.slots.count
            state.next = (state.next + 1) % state.slots.count
            switch state.slots[index] {
            case .ready(let connection) where connection.isActive: return .use(connection)
            case .connecting(let future): return .wait(future)
            case .ready, .empty:
                if let retryAt = state.retryAt, NIODeadline.now() < retryAt, let last = state.lastError {
                    let wait = (retryAt - NIODeadline.now()).nanoseconds / 1_000_000
                    return .fail(
                        RedisError(
                            last.kind, node: address,
                            "\(last.message) (reconnecting after \(state.failures) failed attempts; next attempt in \(wait) ms)"
                        ))
                }
                let future = RedisConnection.makeConnection(to: address, configuration: configuration, group: group)
                state.slots[index] = .connecting(future)
                future.whenComplete { [self] result in self.finished(index, result) }
                return .wait(future)
            }
        }
        switch step {
        case .use(let connection): return connection
        case .fail(let error): throw error
        case .wait(let future):
            do {
                return try await future.get()
            } catch let error as RedisError {
                throw error
            } catch {
                throw RedisError(.connectionFailed, node: address, "cannot connect: \(error)")
            }
        }
    }

    private func finished(_ index: Int, _ result: Result<RedisConnection, any Error>) {
        let stale: RedisConnection? = state.withLock { state in
            switch result {
            case .success(let connection):
                state.failures = 0
                state.retryAt = nil
                state.lastError = nil
                if state.closed { return connection }
                state.slots[index] = .ready(connection)
            case .failure(let error):
                state.slots[index] = .empty
                state.failures += 1
                state.lastError =
                    error as? RedisError ?? RedisError(.connectionFailed, node: address, "cannot connect: \(error)")
                state.retryAt = .now() + configuration.backoff(afterFailures: state.failures)
            }
            return nil
        }
        if let stale { stale.channel.close(promise: nil) }
    }

    /// Sends commands on one connection, in one write; replies in order.
    public func send(_ commands: [[[UInt8]]]) async throws(RedisError) -> [RESPValue] {
        try await connection().send(commands)
    }

    /// Closes every connection; later commands fail.
    public func close() async {
        let open: [RedisConnection] = state.withLock { state in
            state.closed = true
            let open = state.slots.compactMap { slot -> RedisConnection? in
                if case .ready(let connection) = slot { return connection }
                return nil
            }
            state.slots = Array(repeating: .empty, count: state.slots.count)
            return open
        }
        for connection in open { await connection.close() }
    }
}
