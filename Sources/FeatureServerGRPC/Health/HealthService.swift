import FeastProtos
import FeatureServer
import GRPCCore
import Logging
import ServiceLifecycle
import SwiftProtobuf
import Synchronization

/// The standard gRPC health service (`grpc.health.v1.Health`): `SERVING` when the registry and
/// both stores answer (what HTTP's `GET /health` checks), `NOT_SERVING` when one does not or the
/// server is shutting down. It knows the server as a whole (`""`) and
/// `feast.serving.ServingService`.
struct HealthService: Grpc_Health_V1_Health.ServiceProtocol {
    typealias Status = Grpc_Health_V1_HealthCheckResponse.ServingStatus

    let server: FeatureServer
    let draining: Draining
    let watchInterval: Duration
    /// What a health check runs; it throws when the server cannot serve.
    let probe: @Sendable () async throws -> Void

    /// The services a client may ask about.
    static let services = ["", Feast_Serving_ServingService.descriptor.fullyQualifiedService]

    func check(
        request: ServerRequest<Grpc_Health_V1_HealthCheckRequest>, context: ServerContext
    ) async throws -> ServerResponse<Grpc_Health_V1_HealthCheckResponse> {
        try Self.checkKnown(request.message.service)
        let current = await status(logging: true)
        return ServerResponse(message: .with { $0.status = current })
    }

    func watch(
        request: ServerRequest<Grpc_Health_V1_HealthCheckRequest>, context: ServerContext
    ) async throws -> StreamingServerResponse<Grpc_Health_V1_HealthCheckResponse> {
        guard Self.services.contains(request.message.service) else {
            // The protocol: Watch answers SERVICE_UNKNOWN rather than failing.
            return StreamingServerResponse(single: ServerResponse(message: .with { $0.status = .serviceUnknown }))
        }
        return StreamingServerResponse { writer in
            try await watch(writer)
            return [:]
        }
    }

    /// Sends the status now and then each change, until the call ends or the server shuts down
    /// (then it sends `NOT_SERVING` and ends, so a watch never holds up the shutdown).
    private func watch(_ writer: RPCWriter<Grpc_Health_V1_HealthCheckResponse>) async throws {
        var last: Status?
        while !Task.isCancelled {
            let shuttingDown = draining.isDraining || Task.isShuttingDownGracefully
            let current = shuttingDown ? .notServing : await status(logging: last == .serving)
            if current != last {
                try await writer.write(.with { $0.status = current })
                last = current
            }
            if shuttingDown { return }
            // Woken early by a graceful shutdown of the service group.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: watchInterval) }
        }
    }

    /// The server's status now; a failure is logged when `logging` (a watch logs only changes).
    private func status(logging: Bool) async -> Status {
        if draining.isDraining { return .notServing }
        do {
            try await probe()
            return .serving
        } catch {
            if logging { server.logger.error("health check failed", metadata: ["error": "\(error)"]) }
            return .notServing
        }
    }

    /// - Throws: `NOT_FOUND` naming the service and the ones the server knows.
    static func checkKnown(_ service: String) throws {
        guard !services.contains(service) else { return }
        throw RPCError(
            code: .notFound,
            message:
                "unknown service '\(service)'; ask about '' (the server) or '\(Feast_Serving_ServingService.descriptor.fullyQualifiedService)'"
        )
    }
}

/// Whether the gRPC server is shutting down: health answers `NOT_SERVING` from then on.
final class Draining: Sendable {
    private let draining = Mutex(false)

    var isDraining: Bool { draining.withLock { $0 } }

    func begin() { draining.withLock { $0 = true } }
}
