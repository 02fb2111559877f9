/// Every failure of the Redis client, naming the node (`host:port`) it happened on.
public struct RedisError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// The TCP connection could not be made (refused, unreachable, or the node is in reconnect backoff).
        case connectionFailed = "connection_failed"
        /// An open connection closed before every reply arrived.
        case connectionClosed = "connection_closed"
        /// Connecting or a command took longer than its timeout.
        case timeout
        /// The server sent bytes that are not RESP2, or a reply over the client's size limits.
        case protocolViolation = "protocol_violation"
        /// The server answered a command with an error reply.
        case server
        /// A cluster kept redirecting a command past the redirect limit.
        case tooManyRedirects = "too_many_redirects"
        /// No cluster node answered `CLUSTER SLOTS`, or a slot has no master.
        case clusterTopology = "cluster_topology"
    }

    public var kind: Kind
    /// The node the failure happened on; `nil` only when no node was involved.
    public var node: RedisAddress?
    public var message: String

    public init(_ kind: Kind, node: RedisAddress?, _ message: String) {
        self.kind = kind
        self.node = node
        self.message = message
    }

    public var description: String {
        if let node { return "redis \(node): \(message)" }
        return "redis: \(message)"
    }
}
