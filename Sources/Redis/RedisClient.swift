import NIOCore
import NIOPosix

/// A client of one Redis server, over a small pool of pipelined connections.
public final class RedisClient: RedisCommandSending {
    public let pool: RedisConnectionPool

    public init(
        address: RedisAddress, configuration: RedisConfiguration = RedisConfiguration(),
        group: any EventLoopGroup = RedisEventLoops.shared
    ) {
        pool = RedisConnectionPool(address: address, configuration: configuration, group: group)
    }

    public var address: RedisAddress { pool.address }

    public func pipeline(_ commands: [RedisCommand]) async throws(RedisError) -> [RESPValue] {
        do {
            return try await pool.send(commands.map(\.arguments))
        } catch {
            throw error
        }
    }

    public func close() async { await pool.close() }
}
