import Hummingbird

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
    func body(of request: Request) async throws -> [UInt8] {
        let limit = configuration.maxBodyBytes
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw APIError.tooLarge(declared, limit: limit)
        }
        var bytes: [UInt8] = []
        for try await buffer in request.body {
            if bytes.count + buffer.readableBytes > limit {
                throw APIError.tooLarge(bytes.count + buffer.readableBytes, limit: limit)
            }
            bytes += buffer.readableBytesView
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
