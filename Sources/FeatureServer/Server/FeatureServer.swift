import FeatureStoreKit
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import ServiceLifecycle

/// The feature server: one open feature repo served over HTTP.
///
/// Lookups read the current ``ReadState`` (a registry snapshot and an ``OnlineReader``) with no
/// registry access; store work runs on the lanes of ``ServerStores`` (registry reads, offline
/// writes, materializations), which `/health` and `/metrics` never wait for; the
/// ``RegistryWatcher`` and the ``Scheduler`` run beside the HTTP server in one `ServiceGroup`.
public final class FeatureServer: Sendable {
    public let configuration: ServerConfiguration
    public let stores: ServerStores
    public let state: ServerState
    public let metrics: ServerMetrics
    /// Profiles, drift and freshness: the `/stats` and `/drift` routes and the monitoring gauges.
    public let monitoring: ServerMonitoring
    public let logger: Logger
    /// The clock used for ttl checks and scheduling; tests inject a fixed one.
    public let clock: @Sendable () -> Timestamp
    /// Who may ask what (hosts, origins, tokens).
    let access: AccessControl
    /// The open connections, for `--max-connections`.
    let connections = ConnectionCounter()
    /// The TLS configuration when serving HTTPS.
    let tls: TLSConfiguration?
    /// The served-vector log of services with `logging:`.
    public let servedLog: ServedLog

    /// Opens the repo at `repo` and its online store, and loads the registry.
    ///
    /// - Throws: ``FeatureStoreError``, `locked` when another process holds the online store,
    ///   `invalidArgument` when a token's secret or the TLS files cannot be read.
    public init(
        repo: String, configuration: ServerConfiguration = ServerConfiguration(),
        clock: @escaping @Sendable () -> Timestamp = Timestamp.now, logger: Logger? = nil
    ) async throws {
        var logger = logger ?? Logger(label: "fs.serve")
        logger.logLevel = configuration.logLevel
        self.logger = logger
        self.configuration = configuration
        self.clock = clock
        // Tokens and TLS files first: a server that cannot start says so before opening the stores.
        let tls = try configuration.tls.map(Self.tlsConfiguration)
        self.access = try AccessControl(
            config: try RepoLoader.loadConfig(at: repo), host: configuration.host,
            environment: configuration.environment)
        self.tls = tls
        let stores = try ServerStores(repo: repo, clock: clock)
        self.stores = stores
        self.monitoring = try ServerMonitoring(repo: repo, clock: clock, onlineStore: stores.onlineStore)
        let snapshot = try await stores.snapshot()
        self.state = ServerState(ReadState(snapshot: snapshot, store: stores.onlineStore))
        let metrics = ServerMetrics()
        self.metrics = metrics
        self.servedLog = try ServedLog(stores: stores, clock: clock, metrics: metrics, logger: logger)
        metrics.recordRegistryVersion(snapshot.version)
        _ = try await stores.check()
        try await stores.refreshWatermarks(for: snapshot)
        do {
            // Left by a server stopped between an `fs apply` and its reload.
            try await stores.dropStaleKeyspaces(servedBy: state)
        } catch {
            logger.warning(
                "cannot drop stale online data; will retry on the next apply", metadata: ["error": "\(error)"])
        }
    }

    /// The background services: the served-vector log writer (first, so a `ServiceGroup` stops it
    /// last and it writes what the lookups logged), the registry watcher, the monitoring refresher
    /// and (unless disabled) the scheduler.
    public var services: [any Service] {
        let writer = ServedLogWriter(log: servedLog) { [state, servedLog, clock] in
            await servedLog.applyRetention(state.current.snapshot.definitions, now: clock())
        }
        var services: [any Service] = [writer, RegistryWatcher(server: self), MonitoringRefresher(server: self)]
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
        let config = stores.config
        // Commands find the server that holds a RocksDB store through the endpoint file; a shared
        // store (Redis) is held by no one, and its replicas would overwrite each other's file.
        let recordsEndpoint = !stores.onlineStore.isShared
        let logger = logger
        let limits = configuration.limits
        let scheme = tls == nil ? "http" : "https"
        if access.authenticator == nil, !ServerConfiguration.isLoopback(host) {
            logger.warning(
                "authentication is off and fs serve listens on \(host), not a loopback address: anyone who reaches this port can push values and run materializations; declare tokens under auth: in feature_store.yaml"
            )
        }
        return Application(
            router: router(),
            server: serverBuilder(),
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: configuration.port), serverName: nil,
                // Past this many connections (the refused ones included) accepting pauses.
                availableConnectionsDelegate: MaximumAvailableConnections(
                    limits.maxConnections + max(64, limits.maxConnections / 4), logger: logger)),
            services: (backgroundServices ? services : []) + additionalServices,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                let url = "\(scheme)://\(host.contains(":") ? "[\(host)]" : host):\(port)"
                do {
                    if recordsEndpoint { try ServerEndpoint.write(url: url, for: config) }
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

    /// HTTP/1.1 with the connection guard, under TLS when configured.
    func serverBuilder() -> HTTPServerBuilder {
        Self.serverBuilder(limits: configuration.limits, counter: connections, metrics: metrics, tls: tls)
    }

    static func serverBuilder(
        limits: ConnectionLimits, counter: ConnectionCounter, metrics: ServerMetrics, tls: TLSConfiguration?
    ) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            let channel = FeatureHTTPChannel(
                responder: responder, limits: limits, counter: counter, metrics: metrics, secure: tls != nil)
            guard let tls else { return channel }
            return try TLSChannel(channel, tlsConfiguration: tls)
        }
    }

    /// The server's TLS configuration from PEM files.
    ///
    /// - Throws: `invalidArgument` naming the file that cannot be read.
    static func tlsConfiguration(_ files: ServerConfiguration.TLSFiles) throws -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(files.certificatePath)
        } catch {
            throw FeatureStoreError.invalidArgument(
                "--tls-cert \(files.certificatePath) is not a readable PEM certificate chain (\(error))")
        }
        guard !chain.isEmpty else {
            throw FeatureStoreError.invalidArgument("--tls-cert \(files.certificatePath) holds no certificate")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: files.keyPath, format: .pem)
        } catch {
            throw FeatureStoreError.invalidArgument(
                "--tls-key \(files.keyPath) is not a readable PEM private key (\(error))")
        }
        return TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
    }

    /// Serves until SIGINT or SIGTERM, then finishes in-flight requests, stops the background
    /// services (and `additionalServices`, e.g. the gRPC server, which drains its calls) and
    /// removes the endpoint file. The online store closes when the server is released.
    public func run(
        additionalServices: [any Service] = [], onListening: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws {
        defer { if !stores.onlineStore.isShared { ServerEndpoint.remove(for: stores.config) } }
        try await application(additionalServices: additionalServices, onListening: onListening).runService()
        logger.info("fs serve stopped")
    }
}
