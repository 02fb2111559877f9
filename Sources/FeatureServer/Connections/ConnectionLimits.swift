import NIOCore

/// What one connection may take of the server: time to send a request's headers and body, time
/// idle between requests, how much of an unwanted body is read after an early answer, and how
/// many connections may be open at once.
public struct ConnectionLimits: Sendable {
    /// An idle keep-alive connection (and one that never sends anything) is closed after this.
    public var idleTimeout: Duration
    /// A request's headers must be complete this long after its first byte (slowloris).
    public var headerTimeout: Duration
    /// A request's body must be complete this long after its headers.
    public var bodyTimeout: Duration
    /// After an answer that ends the connection, input is read and dropped (so the client, still
    /// sending, can read the answer) until the client closes or is quiet for 2 s, for at most
    /// this long,
    public var lingerTimeout: Duration
    /// and at most this many bytes.
    public var lingerBytes: Int
    /// Connections beyond this many are answered 503 and closed.
    public var maxConnections: Int

    public static let defaultIdleTimeout = Duration.seconds(60)
    public static let defaultHeaderTimeout = Duration.seconds(10)
    public static let defaultBodyTimeout = Duration.seconds(30)
    public static let defaultMaxConnections = 1024

    public init(
        idleTimeout: Duration = ConnectionLimits.defaultIdleTimeout,
        headerTimeout: Duration = ConnectionLimits.defaultHeaderTimeout,
        bodyTimeout: Duration = ConnectionLimits.defaultBodyTimeout, lingerTimeout: Duration = .seconds(10),
        lingerBytes: Int = 64 * 1024 * 1024, maxConnections: Int = ConnectionLimits.defaultMaxConnections
    ) {
        self.idleTimeout = idleTimeout
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.lingerTimeout = lingerTimeout
        self.lingerBytes = lingerBytes
        self.maxConnections = maxConnections
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(
            seconds.multipliedReportingOverflow(by: 1_000_000_000).partialValue + attoseconds / 1_000_000_000)
    }
}

extension Duration {
    /// `10 s`, `250 ms`, for messages.
    var shortDescription: String {
        let (seconds, attoseconds) = components
        if attoseconds == 0 { return "\(seconds) s" }
        return "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000) ms"
    }
}
