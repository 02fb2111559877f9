/// How `fs serve` runs its gRPC server (beside HTTP, on the same host).
public struct GRPCConfiguration: Sendable {
    /// The port; 0 picks a free one (the real port is reported when listening).
    public var port: Int
    /// What `GetFeastServingInfo` answers.
    public var version: String
    /// How often a health `Watch` re-checks the stores.
    public var healthWatchInterval: Duration

    public static let defaultPort = 6570

    public init(
        port: Int = GRPCConfiguration.defaultPort, version: String = "fs", healthWatchInterval: Duration = .seconds(1)
    ) {
        self.port = port
        self.version = version
        self.healthWatchInterval = healthWatchInterval
    }
}
