import Hummingbird
import NIOHTTP1

extension FeatureServer {
    /// Every route of the server, behind the request middleware (ids, access, errors, metrics).
    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: RequestMiddleware(metrics: metrics, logger: logger, access: access))
        addOnlineFeaturesRoutes(to: router)
        addWriteRoutes(to: router)
        addMaterializeRoutes(to: router)
        addHealthRoutes(to: router)
        addRegistryRoutes(to: router)
        return router
    }

    /// The request body, refusing more than `--max-body` bytes (413 naming the limit).
    ///
    /// - Throws: ``APIError`` 413 over the limit, 400 for a malformed (chunked) body, 408 when it
    ///   does not arrive within `--body-timeout`; ``ClientDisconnected`` when the client goes away.
    func body(of request: Request) async throws -> [UInt8] {
        let limit = configuration.maxBodyBytes
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw APIError.tooLarge(declared, limit: limit)
        }
        var bytes: [UInt8] = []
        do {
            for try await buffer in request.body {
                if bytes.count + buffer.readableBytes > limit {
                    throw APIError.tooLarge(bytes.count + buffer.readableBytes, limit: limit)
                }
                bytes += buffer.readableBytesView
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
        return bytes
    }

    /// The request body parsed as JSON.
    func json(of request: Request) async throws -> JSONValue {
        let bytes = try await body(of: request)
        if bytes.isEmpty { throw APIError.badRequest("the request body is empty; send a JSON object") }
        return try JSONParser.parse(bytes)
    }
}

extension APIError {
    /// A body over the `--max-body` limit.
    static func tooLarge(_ size: Int, limit: Int) -> APIError {
        APIError(
            status: .contentTooLarge, code: "payload_too_large",
            message:
                "the request body has more than \(limit) bytes (\(size) seen), the server's limit (--max-body); split the request"
        )
    }
}
