/// The settings in `feature_store.yaml`: the project name, where the registry and stores live, and
/// who may call `fs serve` (`auth`, `cors_origins`, `allowed_hosts`).
///
/// Paths are absolute once loaded (relative ones resolve against the repo directory).
public struct RepoConfig: Hashable, Sendable, Codable {
    public var project: String
    public var registryPath: String
    public var offlineStorePath: String
    public var onlineStorePath: String
    /// MiB of recently read online rows the serving process keeps in memory (`online_store.row_cache_mb`).
    public var onlineRowCacheMB: Int
    /// How far in the future an event time may lie (`future_skew`, default 1 day).
    public var futureSkew: TimeSpan
    /// The server's bearer tokens; `nil` when authentication is off.
    public var auth: Auth?
    /// Browser origins (`https://dashboard.example.com`) allowed to call the server; empty by default.
    public var corsOrigins: [String]
    /// Host names (besides IP addresses, `localhost` and the bound name) the server answers to.
    public var allowedHosts: [String]
    /// The Redis online store (`online_store: {type: redis}`); `nil` for the embedded RocksDB one.
    public var redisOnlineStore: RedisOnlineStoreSettings?
    /// The PostgreSQL registry (`registry: {type: postgres, ...}`); `nil` for the SQLite file at
    /// ``registryPath``.
    public var postgresRegistry: PostgresSettings?
    /// The PostgreSQL offline store (`offline_store: {type: postgres, ...}`); `nil` for the SQLite
    /// file at ``offlineStorePath``.
    public var postgresOfflineStore: PostgresSettings?

    public init(
        project: String, registryPath: String, offlineStorePath: String, onlineStorePath: String,
        onlineRowCacheMB: Int = RepoConfig.defaultOnlineRowCacheMB, futureSkew: TimeSpan = EventTimeLimit.defaultSkew,
        auth: Auth? = nil, corsOrigins: [String] = [],
        allowedHosts: [String] = [], redisOnlineStore: RedisOnlineStoreSettings? = nil,
        postgresRegistry: PostgresSettings? = nil, postgresOfflineStore: PostgresSettings? = nil
    ) {
        self.project = project
        self.registryPath = registryPath
        self.offlineStorePath = offlineStorePath
        self.onlineStorePath = onlineStorePath
        self.onlineRowCacheMB = onlineRowCacheMB
        self.futureSkew = futureSkew
        self.auth = auth
        self.corsOrigins = corsOrigins
        self.allowedHosts = allowedHosts
        self.redisOnlineStore = redisOnlineStore
        self.postgresRegistry = postgresRegistry
        self.postgresOfflineStore = postgresOfflineStore
    }

    /// Where the stores go when `feature_store.yaml` does not say.
    public static let defaultRegistryPath = ".fs/registry.db"
    public static let defaultOfflineStorePath = ".fs/offline.db"
    public static let defaultOnlineStorePath = ".fs/online"
    public static let defaultOnlineRowCacheMB = 256

    enum CodingKeys: String, CodingKey {
        case project
        case registryPath = "registry"
        case offlineStorePath = "offline_store"
        case onlineStorePath = "online_store"
        case onlineRowCacheMB = "online_row_cache_mb"
        case futureSkew = "future_skew"
        case auth
        case corsOrigins = "cors_origins"
        case allowedHosts = "allowed_hosts"
        case redisOnlineStore = "redis_online_store"
        case postgresRegistry = "postgres_registry"
        case postgresOfflineStore = "postgres_offline_store"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        project = try container.decode(String.self, forKey: .project)
        registryPath = try container.decode(String.self, forKey: .registryPath)
        offlineStorePath = try container.decode(String.self, forKey: .offlineStorePath)
        onlineStorePath = try container.decode(String.self, forKey: .onlineStorePath)
        onlineRowCacheMB =
            try container.decodeIfPresent(Int.self, forKey: .onlineRowCacheMB) ?? RepoConfig.defaultOnlineRowCacheMB
        futureSkew = try container.decodeIfPresent(TimeSpan.self, forKey: .futureSkew) ?? EventTimeLimit.defaultSkew
        auth = try container.decodeIfPresent(Auth.self, forKey: .auth)
        corsOrigins = try container.decodeIfPresent([String].self, forKey: .corsOrigins) ?? []
        allowedHosts = try container.decodeIfPresent([String].self, forKey: .allowedHosts) ?? []
        redisOnlineStore = try container.decodeIfPresent(RedisOnlineStoreSettings.self, forKey: .redisOnlineStore)
        postgresRegistry = try container.decodeIfPresent(PostgresSettings.self, forKey: .postgresRegistry)
        postgresOfflineStore = try container.decodeIfPresent(PostgresSettings.self, forKey: .postgresOfflineStore)
    }
}

extension RepoConfig {
    /// `auth: {type: token, tokens: [...]}`: the bearer tokens `fs serve` accepts.
    public struct Auth: Hashable, Sendable, Codable {
        public var tokens: [Token]

        public init(tokens: [Token]) { self.tokens = tokens }
    }

    /// One named token. The secret itself is never in the YAML: it is read when the server starts
    /// from an environment variable (`token_env`) or a file (`token_file`, absolute once loaded).
    public struct Token: Hashable, Sendable, Codable {
        public var name: String
        public var tokenEnv: String?
        public var tokenFile: String?
        public var roles: [Role]

        public init(name: String, tokenEnv: String? = nil, tokenFile: String? = nil, roles: [Role]) {
            self.name = name
            self.tokenEnv = tokenEnv
            self.tokenFile = tokenFile
            self.roles = roles
        }

        enum CodingKeys: String, CodingKey {
            case name
            case tokenEnv = "token_env"
            case tokenFile = "token_file"
            case roles
        }
    }

    /// What a token may do: `read` (lookups, listings, metrics), `write` (push, write to the online
    /// store), `admin` (materialization). Roles do not imply one another.
    public enum Role: String, Hashable, Sendable, Codable, CaseIterable {
        case read
        case write
        case admin
    }
}
