import FeastProtos
import FeatureServer
import FeatureStoreKit
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging
import ServiceLifecycle
import Synchronization

/// The gRPC server of `fs serve`: Feast's `ServingService` and gRPC health over HTTP/2 on
/// `--grpc-port`, as a lifecycle service in the same `ServiceGroup` as HTTP (same event loops,
/// same lookups, plan cache, metrics and logger).
///
/// On graceful shutdown (SIGINT, SIGTERM) health turns `NOT_SERVING`, the server stops taking
/// calls (HTTP/2 GOAWAY), lets the ones in flight finish, and ends its health watches.
public final class GRPCFeatureServer: Service, Sendable {
    public let configuration: GRPCConfiguration
    private let address: GRPCNIOTransportCore.SocketAddress
    private let grpc: GRPCServer<HTTP2ServerTransport.Posix>
    private let draining = Draining()
    /// Whether the server has bound its address (errors before that are "cannot listen").
    private let listening = Mutex(false)
    private let logger: Logger
    private let onListening: @Sendable (String) -> Void
    /// Whether calls are served over TLS.
    public let secure: Bool

    /// Prepares the server for `featureServer` (nothing listens until ``run()``).
    ///
    /// - Parameters:
    ///   - healthCheck: what `grpc.health.v1.Health` runs, throwing when the server cannot serve;
    ///     by default the check of HTTP's `/health` (the registry and both stores answer).
    ///   - onListening: called with `host:port` (the real port when 0 was asked) once the server
    ///     accepts connections.
    /// - Throws: `invalidArgument` when the host does not resolve.
    public init(
        serving featureServer: FeatureServer, configuration: GRPCConfiguration,
        healthCheck: (@Sendable () async throws -> Void)? = nil,
        onListening: @escaping @Sendable (String) -> Void = { _ in }
    ) throws {
        self.configuration = configuration
        self.logger = featureServer.logger
        self.onListening = onListening
        let address = try GRPCNIOTransportCore.SocketAddress.listening(
            host: featureServer.configuration.host, port: configuration.port)
        self.address = address
        var transportConfig = HTTP2ServerTransport.Posix.Config.defaults
        // A request message may be as large as an HTTP body (`--max-body`; the lookup's
        // deserializer answers RESOURCE_EXHAUSTED past it, and the transport resets streams past
        // twice it), and a connection idle as long as an HTTP one (`--idle-timeout`).
        let maxBody = featureServer.configuration.maxBodyBytes
        transportConfig.rpc.maxRequestPayloadSize = maxBody > Int.max / 2 ? Int.max : maxBody * 2
        transportConfig.connection.maxIdleTime = featureServer.configuration.limits.idleTimeout
        // With `--tls-cert` and `--tls-key`, gRPC is served over TLS too, with the same files.
        let security: HTTP2ServerTransport.Posix.TransportSecurity =
            featureServer.configuration.tls.map { files in
                .tls(
                    certificateChain: [.file(path: files.certificatePath, format: .pem)],
                    privateKey: .file(path: files.keyPath, format: .pem))
            } ?? .plaintext
        self.secure = featureServer.configuration.tls != nil
        grpc = GRPCServer(
            transport: HTTP2ServerTransport.Posix(
                address: address, transportSecurity: security, config: transportConfig),
            services: [
                FeastServingService(server: featureServer, version: configuration.version),
                HealthService(
                    server: featureServer, draining: draining, watchInterval: configuration.healthWatchInterval,
                    probe: healthCheck ?? {
                        if let problem = featureServer.healthProblem() { throw FeatureStoreError.storage(problem) }
                    }),
            ],
            interceptors: [CallInterceptor(server: featureServer)])
    }

    /// Serves until a graceful shutdown of the service group (or ``beginGracefulShutdown()``).
    ///
    /// - Throws: `io` naming the address when it cannot listen (e.g. the port is taken).
    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask {
                    do {
                        try await self.grpc.serve()
                    } catch  where !self.listening.withLock({ $0 }) {
                        throw self.cannotListen(error)
                    }
                }
                let bound: GRPCNIOTransportCore.SocketAddress?
                do {
                    bound = try await grpc.listeningAddress
                } catch {
                    throw cannotListen(error)
                }
                listening.withLock { $0 = true }
                let target = bound?.target ?? address.target
                logger.info("gRPC listening", metadata: ["address": "\(target)", "tls": "\(secure)"])
                onListening(target)
            }
        } onGracefulShutdown: {
            self.beginGracefulShutdown()
        }
    }

    /// The port the server listens on, once it does.
    public var listeningPort: Int {
        get async throws {
            let bound = try await grpc.listeningAddress
            return bound?.ipv4?.port ?? bound?.ipv6?.port ?? configuration.port
        }
    }

    /// Health turns `NOT_SERVING`; the server takes no new calls and stops once the ones in flight
    /// have finished.
    public func beginGracefulShutdown() {
        draining.begin()
        grpc.beginGracefulShutdown()
    }

    private func cannotListen(_ error: any Error) -> FeatureStoreError {
        FeatureStoreError.io(
            "cannot serve gRPC on \(address.target): \(error); give another --grpc-port, or --no-grpc to serve HTTP only"
        )
    }
}
