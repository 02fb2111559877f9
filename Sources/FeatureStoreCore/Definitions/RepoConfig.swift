/// The settings in `feature_store.yaml`: the project name and where the registry and stores live.
///
/// Paths are absolute once loaded (relative ones resolve against the repo directory).
public struct RepoConfig: Hashable, Sendable, Codable {
    public var project: String
    public var registryPath: String
    public var offlineStorePath: String
    public var onlineStorePath: String
    /// How far in the future an event time may lie (`future_skew`, default 1 day).
    public var futureSkew: TimeSpan

    public init(
        project: String, registryPath: String, offlineStorePath: String, onlineStorePath: String,
        futureSkew: TimeSpan = EventTimeLimit.defaultSkew
    ) {
        self.project = project
        self.registryPath = registryPath
        self.offlineStorePath = offlineStorePath
        self.onlineStorePath = onlineStorePath
        self.futureSkew = futureSkew
    }

    /// Where the stores go when `feature_store.yaml` does not say.
    public static let defaultRegistryPath = ".fs/registry.db"
    public static let defaultOfflineStorePath = ".fs/offline.db"
    public static let defaultOnlineStorePath = ".fs/online"

    enum CodingKeys: String, CodingKey {
        case project
        case registryPath = "registry"
        case offlineStorePath = "offline_store"
        case onlineStorePath = "online_store"
        case futureSkew = "future_skew"
    }
}
