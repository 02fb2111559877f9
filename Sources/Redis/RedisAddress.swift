// A small Redis client over SwiftNIO, written here because no Redis client package is available
// to this project: RESP2 framing, pipelined connections, a connection pool with reconnect backoff,
// and Redis Cluster routing (key slots, `CLUSTER SLOTS`, `MOVED`/`ASK`). It knows nothing of
// feature stores; `OnlineStoreRedis` builds Feast's layout on top of it.

/// Where one Redis server listens; written `host:port`, as every error about it names it.
public struct RedisAddress: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` (the port after the last colon, so `[::1]:6379` works too); spaces
    /// around it are ignored.
    public init?(_ text: some StringProtocol) {
        var trimmed = Substring(text)
        while trimmed.first == " " { trimmed = trimmed.dropFirst() }
        while trimmed.last == " " { trimmed = trimmed.dropLast() }
        guard let colon = trimmed.lastIndex(of: ":") else { return nil }
        var host = trimmed[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty, let port = Int(trimmed[trimmed.index(after: colon)...]), (1...65535).contains(port)
        else { return nil }
        self.init(host: String(host), port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
