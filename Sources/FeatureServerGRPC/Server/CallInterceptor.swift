import FeastProtos
import FeatureServer
import FeatureStoreKit
import GRPCCore
import Logging

/// Around every gRPC call, what HTTP's request middleware does around every request: a request id
/// (the caller's `x-request-id` metadata, or a new one, sent back in the response metadata), the
/// bearer token of the `authorization` metadata checked for the role the method needs, errors
/// mapped to status codes with HTTP's messages (a failure of the server names only the request
/// id; its details go to the log), and a count and latency per method, code and token name.
struct CallInterceptor: ServerInterceptor {
    let server: FeatureServer

    static let requestIDKey = "x-request-id"

    /// The role a method needs: none for health (probes carry no token), `read` for the rest.
    static func requiredRole(_ method: MethodDescriptor) -> RepoConfig.Role? {
        method.service == Grpc_Health_V1_Health.descriptor ? nil : .read
    }

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let started = ContinuousClock.now
        let method = context.descriptor
        var scope = RequestScope(
            requestID: RequestScope.id(
                fromHeader: request.metadata[stringValues: Self.requestIDKey].first { _ in true }))
        var response: StreamingServerResponse<Output>
        do {
            let decision = server.authorizeCall(
                authorization: request.metadata[stringValues: "authorization"].first { _ in true },
                role: Self.requiredRole(method), endpoint: method.fullyQualifiedMethod)
            scope.caller = decision.caller
            if let refusal = decision.refusal { throw refusal }
            response = try await RequestScope.$current.withValue(scope) { try await next(request, context) }
            if case .failure(let error) = response.accepted { throw error }
        } catch {
            let rpcError = RPCError(mapping: error, requestID: scope.requestID)
            log(error, as: rpcError, method: method, scope: scope)
            response = StreamingServerResponse(error: rpcError)
        }
        response.metadata.replaceOrAddString(scope.requestID, forKey: Self.requestIDKey)
        let code: Status.Code
        switch response.accepted {
        case .success: code = .ok
        case .failure(let error): code = Status.Code(error.code)
        }
        let elapsed = ContinuousClock.now - started
        let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        server.metrics.recordRPC(
            method: method.fullyQualifiedMethod, code: code.name, caller: scope.caller, nanoseconds: nanoseconds)
        return response
    }

    /// A failure of the server at `error` with its details and the request id; a client's
    /// mistake at `debug`.
    private func log(_ error: any Error, as rpcError: RPCError, method: MethodDescriptor, scope: RequestScope) {
        let metadata: Logger.Metadata = [
            "request_id": "\(scope.requestID)", "method": "\(method.fullyQualifiedMethod)",
            "token": "\(scope.caller ?? "-")", "code": "\(Status.Code(rpcError.code).name)",
        ]
        if rpcError.code.isServerFailure {
            server.logger.error("gRPC call failed", metadata: metadata.merging(["error": "\(error)"]) { $1 })
        } else {
            server.logger.debug("gRPC call refused", metadata: metadata)
        }
    }
}
