/// `online_store: {type: redis, ...}` in `feature_store.yaml` (Feast's field names): where the
/// Redis online store is and how long its keys live.
public struct RedisOnlineStoreSettings: Hashable, Sendable, Codable {
    /// `redis_type`: one server, or a Redis Cluster reached through the given seed nodes.
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        case redis
        case redisCluster = "redis_cluster"
    }

    /// One `host:port` of `connection_string`.
    public struct Node: Hashable, Sendable, Codable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        public var description: String { "\(host):\(port)" }
    }

    public var kind: Kind
    /// The server (`redis`) or the cluster's seed nodes (`redis_cluster`), in the order written.
    public var nodes: [Node]
    /// `key_ttl_seconds`: entity keys expire this long after their last write; 0 never.
    public var keyTTLSeconds: Int64

    public init(kind: Kind, nodes: [Node], keyTTLSeconds: Int64 = 0) {
        self.kind = kind
        self.nodes = nodes
        self.keyTTLSeconds = keyTTLSeconds
    }

    enum CodingKeys: String, CodingKey {
        case kind = "redis_type"
        case nodes
        case keyTTLSeconds = "key_ttl_seconds"
    }
}
