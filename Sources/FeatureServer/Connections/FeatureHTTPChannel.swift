import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Hummingbird's HTTP/1.1 child channel with a ``ConnectionGuard`` in its pipeline:
///
///     [TLS] → ByteWatcher → HTTP/1 codec → HTTP types codec → ConnectionGuard
///           → HTTPConnectionStateHandler (idle timeout, graceful shutdown) → request handling
///
/// The request handling itself is Hummingbird's (`handleHTTP`).
struct FeatureHTTPChannel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    let responder: HTTPChannelHandler.Responder
    let limits: ConnectionLimits
    let counter: ConnectionCounter
    let metrics: ServerMetrics
    /// Whether the channel runs under TLS (requests then have the `https` scheme).
    let secure: Bool

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let connectionGuard = ConnectionGuard(limits: limits, counter: counter, metrics: metrics, logger: logger)
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(ConnectionGuard.ByteWatcher(connectionGuard))
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: false,  // requests are handled in order by the async channel
                withErrorHandling: false,  // framing errors are answered by the guard
                withOutboundHeaderValidation: false,  // Swift HTTP Types validate already
                withEncoderConfiguration: .init(),
                withDecoderLimitConfiguration: .init()
            )
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: secure))
            try pipeline.addHandler(connectionGuard)
            try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: limits.idleTimeout, logger: logger))
            return try NIOAsyncChannel(
                wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    func handle(value: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: value, logger: logger)
    }
}
