import FeatureStoreKit
import Hummingbird
import Logging
import ServiceLifecycle

/// The feature server: one open feature repo served over HTTP.
///
/// Lookups read the current ``ReadState`` (a registry snapshot and an ``OnlineReader``) with no
/// registry access; writes to the offline store and materializations go through the
/// ``StoreActor``; the ``RegistryWatcher`` and the ``Scheduler`` run beside the HTTP server in
/// one `ServiceGroup`.
public final class FeatureServer: Sendable {
    public let configuration: ServerConfiguration
    public let store: StoreActor
    public let state: ServerState
    public let metrics: ServerMetrics
    public let logger: Logger
    /// The clock used for ttl checks and scheduling; tests inject a fixed one.
    public let clock: @Sendable () -> Timestamp

    /// Opens the repo at `repo` and its online store, and loads the registry.
    ///
    /// - Throws: ``FeatureStoreError``, `locked` when another process holds the online store.
    public init(
        repo: String, configuration: ServerConfiguration = ServerConfiguration(),
        clock: @escaping @Sendable () -> Timestamp = Timestamp.now, logger: Logger? = nil
    ) async throws {
        var logger = logger ?? Logger(label: "fs.serve")
        logger.logLevel = configuration.logLevel
        self.logger = logger
        self.configuration = configuration
        self.clock = clock
        let store = try StoreActor(repo: repo, clock: clock)
        self.store = store
        let snapshot = try await store.snapshot()
        self.state = ServerState(ReadState(snapshot: snapshot, store: store.onlineStore))
        self.metrics = ServerMetrics()
        metrics.recordRegistryVersion(snapshot.version)
    }

    /// The background services: the registry watcher and (unless disabled) the scheduler.
    public var services: [any Service] {
        var services: [any Service] = [RegistryWatcher(server: self)]
        if configuration.schedulerEnabled { services.append(Scheduler(server: self)) }
        return services
    }

    /// The HTTP application: routes, the metrics middleware and the background services.
    ///
    /// - Parameters:
    ///   - backgroundServices: run the registry watcher and the scheduler (tests drive them by hand).
    ///   - additionalServices: more services for the same `ServiceGroup` (the gRPC server).
    ///   - onListening: called with the base URL (`http://host:port`, the real port when 0 was
    ///     asked) once the server accepts connections.
    public func application(
        backgroundServices: Bool = true, additionalServices: [any Service] = [],
        onListening: @escaping @Sendable (String) -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let host = configuration.host
        let config = store.config
        let logger = logger
        return Application(
            router: router(),
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: configuration.port), serverName: nil),
            services: (backgroundServices ? services : []) + additionalServices,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                let url = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
                do {
                    try ServerEndpoint.write(url: url, for: config)
                } catch {
                    logger.warning(
                        "cannot record the server endpoint; fs materialize will not find this server",
                        metadata: ["error": "\(error)"])
                }
                onListening(url)
            },
            logger: logger
        )
    }

    /// Serves until SIGINT or SIGTERM, then finishes in-flight requests, stops the background
    /// services (and `additionalServices`, e.g. the gRPC server, which drains its calls) and
    /// removes the endpoint file. The online store closes when the server is released.
    public func run(
        additionalServices: [any Service] = [], onListening: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws {
        defer { ServerEndpoint.remove(for: store.config) }
        try await application(additionalServices: additionalServices, onListening: onListening).runService()
        logger.info("fs serve stopped")
    }
}
