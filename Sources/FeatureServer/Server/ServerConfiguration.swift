import Foundation
import Logging

/// How `fs serve` runs: where it listens, its limits and the pace of its background services.
public struct ServerConfiguration: Sendable {
    /// A PEM certificate chain and private key for HTTPS (`--tls-cert`, `--tls-key`).
    public struct TLSFiles: Sendable {
        public var certificatePath: String
        public var keyPath: String

        public init(certificatePath: String, keyPath: String) {
            self.certificatePath = certificatePath
            self.keyPath = keyPath
        }
    }

    public var host: String
    /// The port; 0 picks a free one (the real port is reported when listening).
    public var port: Int
    /// The most entity rows one lookup or write may carry.
    public var maxEntities: Int
    /// The largest request body accepted, in bytes.
    public var maxBodyBytes: Int
    /// How often the registry version is polled for a new `fs apply`.
    public var registryPollInterval: Duration
    /// How often the scheduler checks which scheduled views are due.
    public var schedulerTick: Duration
    /// Whether the scheduler runs at all.
    public var schedulerEnabled: Bool
    /// How often the monitoring gauges (drift, null ratios, freshness) are recomputed.
    public var monitoringInterval: Duration
    /// Whether the web UI (`/ui`) is served.
    public var uiEnabled: Bool
    public var logLevel: Logger.Level
    /// Timeouts and the connection limit.
    public var limits: ConnectionLimits
    /// Serve HTTPS with these files; plain HTTP when `nil`.
    public var tls: TLSFiles?
    /// Where the tokens' `token_env` variables are read (the process's environment by default).
    public var environment: [String: String]

    public static let defaultPort = 6566
    public static let defaultMaxEntities = 10_000
    public static let defaultMaxBodyBytes = 8 * 1024 * 1024

    public init(
        host: String = "127.0.0.1", port: Int = ServerConfiguration.defaultPort,
        maxEntities: Int = ServerConfiguration.defaultMaxEntities,
        maxBodyBytes: Int = ServerConfiguration.defaultMaxBodyBytes,
        registryPollInterval: Duration = .seconds(1), schedulerTick: Duration = .seconds(5),
        schedulerEnabled: Bool = true, monitoringInterval: Duration = .seconds(60), uiEnabled: Bool = true,
        logLevel: Logger.Level = .info, limits: ConnectionLimits = ConnectionLimits(), tls: TLSFiles? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.host = host
        self.port = port
        self.maxEntities = maxEntities
        self.maxBodyBytes = maxBodyBytes
        self.registryPollInterval = registryPollInterval
        self.schedulerTick = schedulerTick
        self.schedulerEnabled = schedulerEnabled
        self.monitoringInterval = monitoringInterval
        self.uiEnabled = uiEnabled
        self.logLevel = logLevel
        self.limits = limits
        self.tls = tls
        self.environment = environment
    }

    /// Whether `host` is a loopback address (only this machine can connect).
    public static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased()
        return host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}
