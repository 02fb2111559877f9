import FeatureProfiles
import FeatureStoreCore
import SQLite

/// The tables feature profiles live in, beside the history tables of the offline database.
///
/// - `profiles`: one row per series (kind, name, generation), view, feature and time bucket
///   (its start and length in microseconds; a baseline is one bucket, start 0 and length 0), the
///   profile in its binary form (``FeatureProfile/encoded()``). A rowid table (profiles are a few
///   KB, too large for a clustered key), found through the unique `profiles_key` index; the
///   `profiles_age` index finds old hourly buckets to merge into days without reading any profile.
/// - `profile_marks`: per offline series and feature, the arrival number (`__seq`) up to which the
///   history has been profiled, so each stored row is profiled once, whoever runs the update.
/// - `profile_baselines`: what each named baseline was made from.
///
/// Created on the first write (a store that never profiled has none of them; reads find nothing).
enum ProfileTables {
    static let schema = """
        CREATE TABLE IF NOT EXISTS profiles (
            id INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, generation INTEGER NOT NULL,
            view TEXT NOT NULL, feature TEXT NOT NULL, bucket_start INTEGER NOT NULL, bucket_length INTEGER NOT NULL,
            profile BLOB NOT NULL);
        CREATE UNIQUE INDEX IF NOT EXISTS profiles_key
            ON profiles (kind, name, generation, view, feature, bucket_start, bucket_length);
        CREATE INDEX IF NOT EXISTS profiles_age ON profiles (kind, name, generation, bucket_length, bucket_start);
        CREATE TABLE IF NOT EXISTS profile_marks (
            source TEXT NOT NULL, generation INTEGER NOT NULL, view TEXT NOT NULL, feature TEXT NOT NULL,
            profiled_through INTEGER NOT NULL,
            PRIMARY KEY (source, generation, view, feature)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS profile_baselines (
            name TEXT PRIMARY KEY, created_at INTEGER NOT NULL, rows INTEGER NOT NULL, origin TEXT NOT NULL,
            features TEXT NOT NULL);
        """
}

extension OfflineStore {
    /// Creates the profile tables when missing (call inside the writing transaction).
    func createProfileTables() throws {
        try database.execute(ProfileTables.schema)
    }

    /// Whether the profile tables exist (reads of a store that never profiled find nothing).
    func hasProfileTables() throws -> Bool {
        try database.tableExists("profiles")
    }
}
