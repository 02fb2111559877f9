import NIOCore

/// Commands written together, with one promise per reply.
struct RedisRequest: Sendable {
    var commands: [[[UInt8]]]
    var promises: [EventLoopPromise<RESPValue>]
}

/// Encodes requests and hands each decoded reply to the oldest waiting promise: Redis answers a
/// connection's commands in order, so pipelining needs nothing more.
final class RedisCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    let address: RedisAddress
    private var pending = CircularBuffer<EventLoopPromise<RESPValue>>()

    init(address: RedisAddress) { self.address = address }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        var buffer = context.channel.allocator.buffer(capacity: 64 * request.commands.count)
        for command in request.commands { RESPEncoder.encode(command, into: &buffer) }
        pending.append(contentsOf: request.promises)
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = unwrapInboundIn(data)
        guard let promise = pending.popFirst() else {
            failAll(RedisError(.protocolViolation, node: address, "the server sent a reply no command asked for"))
            context.close(promise: nil)
            return
        }
        promise.succeed(value)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let failure: RedisError
        if let decoding = error as? RESPDecodingError {
            failure = RedisError(.protocolViolation, node: address, "malformed reply: \(decoding.message)")
        } else {
            failure = RedisError(.connectionClosed, node: address, "connection error: \(error)")
        }
        failAll(failure)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(RedisError(.connectionClosed, node: address, "the connection closed before the reply arrived"))
        context.fireChannelInactive()
    }

    private func failAll(_ error: RedisError) {
        while let promise = pending.popFirst() { promise.fail(error) }
    }
}
