import FeatureStoreCore

/// What served-vector logging, outcomes, `served_log` sources and consistency runs need of an
/// offline store: implemented by ``OfflineStore`` (SQLite) and by the PostgreSQL store, with the
/// same semantics, results and messages.
public protocol ServedLogStore: AnyObject {
}

extension OfflineStore: ServedLogStore {}
