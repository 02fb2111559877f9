import FeatureStoreCore

/// What feature profiles (`fs stats`, `fs drift`), their incremental updates and named baselines
/// need of an offline store: implemented by ``OfflineStore`` (SQLite) and by the PostgreSQL store,
/// with the same semantics, results and messages.
public protocol ProfileStore: AnyObject {
}

extension OfflineStore: ProfileStore {}
