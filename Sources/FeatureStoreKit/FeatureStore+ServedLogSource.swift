import FeatureStoreCore
import OfflineStoreSQLite

extension FeatureStore {
    /// A source read in place as the reading paths need it: a `sqlite` source as declared, a
    /// `served_log` source as a SELECT over its feature service's log with its outcomes joined
    /// (``OfflineStore/servedLogSource(_:)``).
    ///
    /// - Throws: `invalidInput` for an outcome that does not fit its declared type.
    func inPlaceSource(_ source: Source) throws -> Source {
        source.kind == .servedLog
            ? try offlineStore().requireSQLite(for: "source '\(source.name)' of kind served_log").servedLogSource(
                source) : source
    }
}
