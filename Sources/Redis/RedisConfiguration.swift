import NIOCore

/// Timeouts, pool size, reconnect backoff and reply limits of a client.
public struct RedisConfiguration: Sendable {
    /// How long opening a TCP connection may take.
    public var connectTimeout: TimeAmount
    /// How long a command (or a pipeline, counted from when it is sent) may wait for its replies.
    /// On a timeout the connection is closed: later replies could no longer be matched.
    public var commandTimeout: TimeAmount
    /// Connections per node.
    public var connectionsPerNode: Int
    /// The wait after the first failed connect to a node; doubled after each further failure.
    public var reconnectBackoff: TimeAmount
    /// The longest wait between connect attempts.
    public var maxReconnectBackoff: TimeAmount
    /// How often a cluster command may be redirected (`MOVED`, `ASK`) before it fails.
    public var maxRedirects: Int
    public var limits: RESPLimits

    public init(
        connectTimeout: TimeAmount = .seconds(2), commandTimeout: TimeAmount = .seconds(2), connectionsPerNode: Int = 2,
        reconnectBackoff: TimeAmount = .milliseconds(50), maxReconnectBackoff: TimeAmount = .seconds(2),
        maxRedirects: Int = 5, limits: RESPLimits = RESPLimits()
    ) {
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.connectionsPerNode = max(1, connectionsPerNode)
        self.reconnectBackoff = reconnectBackoff
        self.maxReconnectBackoff = maxReconnectBackoff
        self.maxRedirects = max(0, maxRedirects)
        self.limits = limits
    }

    /// The wait before the next connect after `failures` failures in a row.
    func backoff(afterFailures failures: Int) -> TimeAmount {
        let shift = min(max(failures - 1, 0), 20)
        let (scaled, overflow) = reconnectBackoff.nanoseconds.multipliedReportingOverflow(by: Int64(1) << shift)
        if overflow { return maxReconnectBackoff }
        return .nanoseconds(min(scaled, maxReconnectBackoff.nanoseconds))
    }
}
