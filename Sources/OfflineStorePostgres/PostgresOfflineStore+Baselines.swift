import FeatureProfiles
import FeatureStoreCore
import OfflineStoreSQLite
import PostgresClient

extension PostgresOfflineStore {
    /// Saves `profiles` as the baseline `info.name`, replacing a baseline of that name, in one
    /// transaction (all features or none), as the SQLite store does (see
    /// ``OfflineStore/saveBaseline(_:profiles:)``). Returns the replaced baseline's description.
    @discardableResult
    public func saveBaseline(_ info: BaselineInfo, profiles: [ProfiledFeature: FeatureProfile]) throws -> BaselineInfo?
    {
        let source = ProfileSource.baseline(info.name)
        let features = try info.storedFeatures()
        return try write { transaction in
            try createProfileTables(transaction)
            // Two saves of one name take turns: the second replaces the first whole.
            try lockSeries(source, transaction)
            let previous = try baselineInfo(named: info.name, transaction)
            try transaction.query(
                "DELETE FROM \(qualified("profiles")) WHERE kind = 'baseline' AND name = $1", [.text(info.name)])
            var slots: [ProfileSlot: FeatureProfile] = [:]
            for (feature, profile) in profiles {
                slots[ProfileSlot(feature: feature, bucketStart: Timestamp(microseconds: 0), bucketLength: .zero)] =
                    profile
            }
            try mergeStoredProfiles(slots, into: source, transaction)
            try transaction.query(
                "INSERT INTO \(qualified("profile_baselines")) (name, created_at, rows, origin, features) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO UPDATE SET created_at = excluded.created_at, rows = excluded.rows, origin = excluded.origin, features = excluded.features",
                [
                    .text(info.name), .integer(info.createdAt.microseconds), .integer(Int64(info.rows)),
                    .text(info.origin), .text(features),
                ])
            return previous
        }
    }

    /// The baseline `name` with its profiles (read in one snapshot); `nil` when none is saved
    /// under that name.
    public func baseline(named name: String) throws -> Baseline? {
        try read { reader in
            let transaction = reader.transaction
            guard try hasProfileTables(transaction), let info = try baselineInfo(named: name, transaction) else {
                return nil
            }
            var profiles: [ProfiledFeature: FeatureProfile] = [:]
            for feature in info.features {
                if let stored = try storedProfile(
                    of: .baseline(name), feature: feature, from: nil, to: nil, transaction)
                {
                    profiles[feature] = stored.profile
                }
            }
            return Baseline(info: info, profiles: profiles)
        }
    }

    /// Every saved baseline, by name (in byte order, as SQLite sorts them).
    public func baselines() throws -> [BaselineInfo] {
        try read { reader in
            guard try tableExists("profile_baselines", reader.transaction) else { return [] }
            return try reader.transaction.query(
                "SELECT name, created_at, rows, origin, features FROM \(qualified("profile_baselines")) ORDER BY name COLLATE \"C\""
            ).map(Self.baselineInfo)
        }
    }

    private func baselineInfo(named name: String, _ transaction: PostgresTransaction) throws -> BaselineInfo? {
        guard try tableExists("profile_baselines", transaction) else { return nil }
        return try transaction.query(
            "SELECT name, created_at, rows, origin, features FROM \(qualified("profile_baselines")) WHERE name = $1",
            [.text(name)]
        ).first.map(Self.baselineInfo)
    }

    private static func baselineInfo(_ row: PostgresResultRow) throws -> BaselineInfo {
        try BaselineInfo(
            stored: try row.text(0), createdAt: try row.int64(1), rows: try row.int64(2), origin: try row.text(3),
            features: try row.text(4))
    }
}
