import NIOCore
import NIOPosix

/// One TCP connection to one Redis server; many commands may be in flight on it at once.
public final class RedisConnection: Sendable {
    public let address: RedisAddress
    let channel: any Channel
    let commandTimeout: TimeAmount

    init(address: RedisAddress, channel: any Channel, commandTimeout: TimeAmount) {
        self.address = address
        self.channel = channel
        self.commandTimeout = commandTimeout
    }

    /// Opens a connection, failing after the configuration's connect timeout.
    public static func connect(
        to address: RedisAddress, configuration: RedisConfiguration,
        group: any EventLoopGroup = RedisEventLoops.shared
    ) async throws(RedisError) -> RedisConnection {
        do {
            return try await makeConnection(to: address, configuration: configuration, group: group).get()
        } catch let error as RedisError {
            throw error
        } catch {
            throw RedisError(.connectionFailed, node: address, "cannot connect: \(error)")
        }
    }

    static func makeConnection(
        to address: RedisAddress, configuration: RedisConfiguration, group: any EventLoopGroup
    ) -> EventLoopFuture<RedisConnection> {
        let limits = configuration.limits
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(configuration.connectTimeout)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(RESPMessageDecoder(decoder: RESPDecoder(limits: limits))))
                    try channel.pipeline.syncOperations.addHandler(RedisCommandHandler(address: address))
                }
            }
        let timeout = configuration.connectTimeout
        return bootstrap.connect(host: address.host, port: address.port)
            .map { RedisConnection(address: address, channel: $0, commandTimeout: configuration.commandTimeout) }
            .flatMapErrorThrowing { error in
                if case ChannelError.connectTimeout = error {
                    throw RedisError(
                        .timeout, node: address, "connecting took longer than \(timeout.nanoseconds / 1_000_000) ms")
                }
                throw RedisError(.connectionFailed, node: address, "cannot connect: \(error)")
            }
    }

    public var isActive: Bool { channel.isActive }

    /// Sends commands in one write and returns their replies in order. Error replies are
    /// returned as ``RESPValue/error(_:)``; only connection failures and timeouts throw.
    public func send(_ commands: [[[UInt8]]]) async throws(RedisError) -> [RESPValue] {
        if commands.isEmpty { return [] }
        let loop = channel.eventLoop
        let promises = commands.map { _ in loop.makePromise(of: RESPValue.self) }
        let all = EventLoopFuture.whenAllSucceed(promises.map(\.futureResult), on: loop)
        let address = address
        let timeout = commandTimeout
        let channel = channel
        let timer = loop.scheduleTask(in: timeout) {
            let error = RedisError(
                .timeout, node: address,
                "no reply to \(commands.count == 1 ? "a command" : "a pipeline of \(commands.count) commands") within \(timeout.nanoseconds / 1_000_000) ms"
            )
            for promise in promises { promise.fail(error) }
            // Replies still to come could no longer be matched to their commands.
            channel.close(promise: nil)
        }
        all.whenComplete { _ in timer.cancel() }
        let written = loop.makePromise(of: Void.self)
        written.futureResult.whenFailure { error in
            let failure = RedisError(.connectionClosed, node: address, "cannot send: \(error)")
            for promise in promises { promise.fail(failure) }
        }
        channel.writeAndFlush(RedisRequest(commands: commands, promises: promises), promise: written)
        do {
            return try await all.get()
        } catch let error as RedisError {
            throw error
        } catch {
            throw RedisError(.connectionClosed, node: address, "\(error)")
        }
    }

    public func close() async {
        try? await channel.close()
    }
}
