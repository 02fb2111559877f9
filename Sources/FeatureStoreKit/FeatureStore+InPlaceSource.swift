import FeatureStoreCore
import OfflineStoreSQLite

extension FeatureStore {
    /// A source read in place as the reading paths need it: a `sqlite` or `postgres` source as
    /// declared (the PostgreSQL store checks and wraps a `postgres` source's table or query
    /// itself), a `served_log` source as a SELECT over its feature service's log with its outcomes
    /// joined (``ServedLogStore/servedLogSource(_:)``, on either offline store).
    ///
    /// - Throws: `invalidInput` for an outcome that does not fit its declared type;
    ///   `invalidArgument` for a `postgres` source when the offline store is SQLite.
    func inPlaceSource(_ source: Source) throws -> Source {
        switch source.kind {
        case .servedLog:
            return try offlineStore().servedLogSource(source)
        case .postgres:
            guard config.postgresOfflineStore != nil else {
                throw FeatureStoreError.invalidArgument(
                    "source '\(source.name)' is of kind postgres: it reads \(source.table.map { "table '\($0)'" } ?? "its query") in the PostgreSQL offline store's database, but the offline store here is SQLite (\(config.offlineStorePath)); set offline_store: {type: postgres, dsn: ...} in feature_store.yaml, or use kind: sqlite for a table in the SQLite offline database"
                )
            }
            return source
        default:
            return source
        }
    }
}
