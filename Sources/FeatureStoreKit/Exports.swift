@_exported import FeatureProfiles
// The types of the facade's API come from these modules; re-export them so the CLI and the
// server import one module.
@_exported import FeatureRegistry
@_exported import FeatureRepo
@_exported import FeatureStoreCore
@_exported import OfflineStoreSQLite
@_exported import OnlineStoreRocksDB
