import FeatureStoreKit
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Watches one HTTP/1.1 connection between the HTTP codec and Hummingbird's request handling, so
/// that no client mistake or stall costs more than an answer:
///
/// - A framing error (a bad request line or header, a malformed chunked body) gets a 400 with the
///   JSON error body, written here (a route reading the body stops with the error).
/// - Headers must arrive within `headerTimeout` of their first byte and a body within
///   `bodyTimeout` of its headers (408 otherwise).
/// - An answer written before its request's body has arrived (a 401, a 413) carries
///   `Connection: close`; the output is then shut and the rest of the body read and dropped (up to
///   `lingerBytes`, for `lingerTimeout`), so a client that sends its whole body before reading,
///   like python-requests, sees the answer instead of a reset or a hang.
/// - Connections beyond `maxConnections` are answered 503 and closed.
///
/// Everything runs on the connection's event loop.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: ConnectionLimits
    private let counter: ConnectionCounter
    private let metrics: ServerMetrics
    private let logger: Logger

    private var context: ChannelHandlerContext?
    private var counted = false
    /// Over the connection limit: the first request is answered 503.
    private var refused = false
    /// Requests whose head arrived and whose answer has not been written in full.
    private var unanswered = 0
    /// The last request's head arrived and its end has not.
    private var requestOpen = false
    /// An answer's head was written and its end was not.
    private var answering = false
    /// End the connection after the current answer.
    private var closeAfterAnswer = false
    /// Inbound parts are dropped, not handed on (after an early answer or a framing error).
    private var discarding = false
    /// The last answer is written and the output shut; input is read and dropped until the client
    /// closes or a linger limit.
    private var lingering = false
    private var lingered = 0
    /// While lingering: the answer is out and the output shut.
    private var outputShut = false
    /// While lingering: nothing more is expected from the client (its request ended or it closed).
    private var inputDone = false
    /// While lingering: when it started and when the client last sent something.
    private var lingerStarted = NIODeadline.now()
    private var lastLingerRead = NIODeadline.now()
    /// Lingering ends once the client has sent nothing for this long.
    private static let lingerQuiet = TimeAmount.seconds(2)
    /// When the headers being received must be complete.
    private var headerDeadline: NIODeadline?
    /// When the body being received must be complete.
    private var bodyDeadline: NIODeadline?
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    private var lingerTimer: Scheduled<Void>?

    init(limits: ConnectionLimits, counter: ConnectionCounter, metrics: ServerMetrics, logger: Logger) {
        self.limits = limits
        self.counter = counter
        self.metrics = metrics
        self.logger = logger
    }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        counted = true
        let open = counter.opened()
        metrics.recordOpenConnections(open)
        if open > limits.maxConnections {
            refused = true
            metrics.recordRefusedConnection()
            if counter.shouldWarn() {
                logger.warning(
                    "refusing connections: \(open) are open, more than --max-connections \(limits.maxConnections); they are answered 503 (logged once a minute)"
                )
            }
            // Answer as soon as the request arrives, or after a short wait for it.
            setHeaderDeadline(.now() + min(TimeAmount(limits.headerTimeout), .seconds(2)))
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        lingerTimer?.cancel()
        timer = nil
        lingerTimer = nil
        self.context = nil
        if counted {
            counted = false
            metrics.recordOpenConnections(counter.closed())
        }
    }

    // MARK: Inbound

    /// Bytes arrived before the HTTP decoder (see ``ByteWatcher``): between requests they start
    /// the header deadline.
    func bytesArrived(_ count: Int) {
        if lingering {
            lingered += count
            lastLingerRead = .now()
            if lingered > limits.lingerBytes { context?.close(promise: nil) }
            return
        }
        guard headerDeadline == nil, unanswered == 0, !requestOpen, !discarding else { return }
        setHeaderDeadline(.now() + TimeAmount(limits.headerTimeout))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if discarding {
            if case .end = part {
                requestOpen = false
                if lingering { inputFinished(context) }
            }
            return
        }
        switch part {
        case .head:
            headerDeadline = nil
            requestOpen = true
            unanswered += 1
            if refused {
                discarding = true
                answer(
                    context,
                    APIError(
                        status: .serviceUnavailable, code: "too_many_connections",
                        message:
                            "the server has its maximum of \(limits.maxConnections) connections open (--max-connections); retry later or reuse a connection"
                    ))
                return
            }
            bodyDeadline = .now() + TimeAmount(limits.bodyTimeout)
            armTimer(bodyDeadline!)
        case .body:
            break
        case .end:
            requestOpen = false
            bodyDeadline = nil
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Keep reading what is dropped, whatever the request handling's back pressure says.
        if discarding { context.read() }
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if lingering, case ChannelEvent.inputClosed = event {
            // The client read the answer and closed its side.
            inputFinished(context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if discarding {
            // Our answer is written or on its way; what follows (including the decoder's
            // complaints about data after its error) is dropped.
            if error is IOError { context.close(promise: nil) }
            return
        }
        guard let framing = APIError(framingError: error) else {
            // A connection reset or a TLS failure: the request handling ends its stream and the
            // connection closes; logged at debug.
            if !(error is IOError) { logger.debug("connection error", metadata: ["error": "\(error)"]) }
            context.fireErrorCaught(error)
            return
        }
        discarding = true
        closeAfterAnswer = true
        guard !answering else { return }  // An answer is on its way: the connection ends after it.
        // Answer here, whether or not a route has the request (one reading the body stops with
        // the error; its own answer, if any, is dropped).
        let handedOn = unanswered > 0
        answer(context, framing)
        if handedOn { context.fireErrorCaught(error) }
    }

    // MARK: Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if lingering {
            // Hummingbird's own (empty) answer to a framing error we answered already.
            promise?.fail(ChannelError.outputClosed)
            return
        }
        switch unwrapOutboundIn(data) {
        case .head(var head):
            answering = true
            if requestOpen, unanswered == 1 {
                // Answered before the body arrived: the rest of it is dropped and the connection ends.
                closeAfterAnswer = true
                discarding = true
            }
            if closeAfterAnswer, head.status.code >= 200 {
                head.headerFields[.connection] = "close"
                context.write(wrapOutboundOut(.head(head)), promise: promise)
            } else {
                context.write(data, promise: promise)
            }
        case .body:
            context.write(data, promise: promise)
        case .end:
            answering = false
            unanswered -= 1
            if closeAfterAnswer {
                context.writeAndFlush(data, promise: promise)
                linger(context)
            } else {
                context.write(data, promise: promise)
            }
        }
    }

    // MARK: Answers, lingering, deadlines

    /// Writes `error` as the answer to the current request, then lingers and closes.
    private func answer(_ context: ChannelHandlerContext, _ error: APIError) {
        let requestID = RequestScope.newID()
        let body = error.body(requestID: requestID)
        var head = HTTPResponse(status: error.status)
        head.headerFields = error.headers
        head.headerFields[.contentType] = "application/json"
        head.headerFields[.contentLength] = String(body.count)
        head.headerFields[.connection] = "close"
        head.headerFields[.requestID] = requestID
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(ByteBuffer(bytes: body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        if unanswered > 0 { unanswered -= 1 }
        metrics.recordRequest(endpoint: "other", status: error.status.code, caller: nil, nanoseconds: 0)
        metrics.recordError(endpoint: "other", code: error.code, caller: nil)
        logger.debug(
            "answered at the connection level",
            metadata: ["request_id": "\(requestID)", "status": "\(error.status.code)", "code": "\(error.code)"])
        linger(context)
    }

    /// The last answer is out: shut the output (the client sees the end of the answer), read and
    /// drop input until the client closes, `lingerBytes` or `lingerTimeout`, then close.
    private func linger(_ context: ChannelHandlerContext) {
        guard !lingering else { return }
        lingering = true
        discarding = true
        headerDeadline = nil
        bodyDeadline = nil
        timer?.cancel()
        timer = nil
        timerDeadline = nil
        context.flush()
        // The output shuts once the answer is written (pending writes first).
        let shut = context.eventLoop.makePromise(of: Void.self)
        context.close(mode: .output, promise: shut)
        shut.futureResult.assumeIsolatedUnsafeUnchecked().whenComplete { [weak self] _ in
            guard let self else { return }
            self.outputShut = true
            if self.inputDone { self.context?.close(promise: nil) }
        }
        lingerStarted = .now()
        lastLingerRead = lingerStarted
        scheduleLingerCheck(at: lingerStarted + Self.lingerQuiet)
        context.read()
    }

    /// Lingering ends after `lingerTimeout`, or once the client has been quiet for ``lingerQuiet``.
    private func scheduleLingerCheck(at deadline: NIODeadline) {
        guard let context else { return }
        lingerTimer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(deadline: deadline) {
            [weak self] in
            guard let self else { return }
            let end = min(
                self.lastLingerRead + Self.lingerQuiet, self.lingerStarted + TimeAmount(self.limits.lingerTimeout))
            if NIODeadline.now() >= end {
                self.context?.close(promise: nil)
            } else {
                self.scheduleLingerCheck(at: end)
            }
        }
    }

    /// While lingering: the client finished (its request's end or its close). Close once the
    /// answer is out.
    private func inputFinished(_ context: ChannelHandlerContext) {
        inputDone = true
        if outputShut { context.close(promise: nil) }
    }

    private func setHeaderDeadline(_ deadline: NIODeadline) {
        headerDeadline = deadline
        armTimer(deadline)
    }

    /// One timer per connection, rescheduled only when it fires: a request costs no timer of its own.
    private func armTimer(_ deadline: NIODeadline) {
        if let timerDeadline, timerDeadline <= deadline { return }
        guard let context else { return }
        timer?.cancel()
        timerDeadline = deadline
        timer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(deadline: deadline) { [weak self] in
            self?.timerFired()
        }
    }

    private func timerFired() {
        timer = nil
        timerDeadline = nil
        guard let context, !lingering else { return }
        let now = NIODeadline.now()
        if let deadline = headerDeadline, deadline <= now {
            headerDeadline = nil
            guard unanswered == 0, !requestOpen else { return }
            discarding = true
            closeAfterAnswer = true
            if refused {
                answer(
                    context,
                    APIError(
                        status: .serviceUnavailable, code: "too_many_connections",
                        message:
                            "the server has its maximum of \(limits.maxConnections) connections open (--max-connections); retry later or reuse a connection"
                    ))
            } else {
                answer(
                    context,
                    APIError(
                        status: .requestTimeout, code: "request_timeout",
                        message:
                            "the request's headers did not arrive within \(limits.headerTimeout.shortDescription) of its first byte; send the whole request at once"
                    ))
            }
            return
        }
        if let deadline = bodyDeadline, deadline <= now {
            bodyDeadline = nil
            guard requestOpen else { return }
            discarding = true
            closeAfterAnswer = true
            guard !answering else { return }
            // Answer 408 here, whether or not the route reads the body (it may be waiting for
            // something else); a route reading it stops with the error, and its answer is dropped.
            answer(
                context,
                APIError(
                    status: .requestTimeout, code: "request_timeout",
                    message:
                        "the request body did not arrive within \(limits.bodyTimeout.shortDescription) of its headers (--body-timeout); send it at once"
                ))
            context.fireErrorCaught(RequestBodyTimeout(limit: limits.bodyTimeout))
            return
        }
        if let next = [headerDeadline, bodyDeadline].compactMap({ $0 }).min() { armTimer(next) }
    }
}

extension ConnectionGuard {
    /// Tells the guard when bytes arrive, before the HTTP decoder turns them into requests (the
    /// first bytes of a request start its header deadline).
    final class ByteWatcher: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = ByteBuffer
        typealias InboundOut = ByteBuffer

        private let connectionGuard: ConnectionGuard

        init(_ connectionGuard: ConnectionGuard) { self.connectionGuard = connectionGuard }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            connectionGuard.bytesArrived(unwrapInboundIn(data).readableBytes)
            context.fireChannelRead(data)
        }
    }
}

@available(*, unavailable)
extension ConnectionGuard: Sendable {}

@available(*, unavailable)
extension ConnectionGuard.ByteWatcher: Sendable {}

/// A request body that did not arrive within `--body-timeout`.
struct RequestBodyTimeout: Error {
    var limit: Duration
}
