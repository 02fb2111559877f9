import Hummingbird
import NIOHTTP1

extension FeatureServer {
    /// Every route of the server, behind the request middleware (ids, access, errors, metrics).
    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(
            middleware: RequestMiddleware(
                metrics: metrics, logger: logger, access: access, uiEnabled: configuration.uiEnabled))
        addOnlineFeaturesRoutes(to: router)
        addWriteRoutes(to: router)
        addLogRoutes(to: router)
        addMaterializeRoutes(to: router)
        addHealthRoutes(to: router)
        addRegistryRoutes(to: router)
        addMonitoringRoutes(to: router)
        addUIRoutes(to: router)
        return router
    }

    /// The request body, refusing more than `--max-body` bytes (413 naming the limit).
    ///
    /// The body is copied once, into one buffer of its declared length (a body that arrives in
    /// one piece is kept as it came); the JSON readers then work on it in place.
    ///
    /// - Throws: ``APIError`` 413 over the limit, 400 for a malformed (chunked) body, 408 when it
    ///   does not arrive within `--body-timeout`; ``ClientDisconnected`` when the client goes away.
    func body(of request: Request) async throws -> ByteBuffer {
        let limit = configuration.maxBodyBytes
        let declared = request.headers[.contentLength].flatMap(Int.init)
        if let declared, declared > limit { throw APIError.tooLarge(declared, limit: limit) }
        var collected = ByteBuffer()
        var pieces = 0
        do {
            for try await var piece in request.body {
                let size = collected.readableBytes + piece.readableBytes
                if size > limit { throw APIError.tooLarge(size, limit: limit) }
                pieces += 1
                if pieces == 1 {
                    collected = piece
                    continue
                }
                if pieces == 2 {
                    // From the second piece on, one buffer for the whole body.
                    var whole = ByteBufferAllocator().buffer(capacity: max(declared ?? 0, 2 * size))
                    whole.writeBuffer(&collected)
                    collected = whole
                }
                collected.writeBuffer(&piece)
            }
        } catch let error as APIError {
            throw error
        } catch let timeout as RequestBodyTimeout {
            throw APIError(
                status: .requestTimeout, code: "request_timeout",
                message:
                    "the request body did not arrive within \(timeout.limit.shortDescription) of its headers (--body-timeout); send it at once"
            )
        } catch {
            if let framing = APIError(framingError: error) { throw framing }
            throw ClientDisconnected(underlying: error)
        }
        return collected
    }

    /// Runs `body` over the bytes of `buffer` in place.
    ///
    /// - Throws: 400 for an empty body; what `body` throws.
    static func withBytes<T>(of buffer: ByteBuffer, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) throws -> T {
        if buffer.readableBytes == 0 { throw APIError.badRequest("the request body is empty; send a JSON object") }
        return try buffer.withUnsafeReadableBytes { raw in try body(raw.assumingMemoryBound(to: UInt8.self)) }
    }

    /// The request body parsed as JSON (a tree: the write and materialization routes, whose bodies
    /// are bounded by `--max-entities` rows once parsed).
    func json(of request: Request) async throws -> JSONValue {
        try Self.withBytes(of: try await body(of: request)) { try JSONParser.parse(buffer: $0) }
    }
}

extension APIError {
    /// A body over the `--max-body` limit.
    public static func tooLarge(_ size: Int, limit: Int) -> APIError {
        APIError(
            status: .contentTooLarge, code: "payload_too_large",
            message:
                "the request body has more than \(limit) bytes (\(size) seen), the server's limit (--max-body); split the request"
        )
    }
}
