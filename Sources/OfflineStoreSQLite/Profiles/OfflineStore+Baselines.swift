import FeatureProfiles
import FeatureStoreCore
import Foundation
import SQLite

/// A named baseline: the profiles of a training set's feature values, saved to compare windows with.
public struct Baseline: Sendable {
    public var info: BaselineInfo
    public var profiles: [ProfiledFeature: FeatureProfile]

    package init(info: BaselineInfo, profiles: [ProfiledFeature: FeatureProfile]) {
        self.info = info
        self.profiles = profiles
    }
}

/// What a baseline was made from.
public struct BaselineInfo: Sendable, Codable, Equatable {
    public var name: String
    public var createdAt: Timestamp
    /// The training set's rows (each feature's profile counts them all, nulls included).
    public var rows: Int
    /// Where the values came from (the spine and the output of the training set).
    public var origin: String
    public var features: [ProfiledFeature]

    public init(name: String, createdAt: Timestamp, rows: Int, origin: String, features: [ProfiledFeature]) {
        self.name = name
        self.createdAt = createdAt
        self.rows = rows
        self.origin = origin
        self.features = features
    }

    /// A baseline's description as a `profile_baselines` row stores it (the features a JSON array
    /// of `view:feature` names).
    ///
    /// - Throws: `storage` naming the remedy when the feature list does not read back.
    package init(stored name: String, createdAt: Int64, rows: Int64, origin: String, features: String) throws {
        let damaged = FeatureStoreError.storage(
            "baseline '\(name)' is damaged (its feature list does not read back); save it again with fs get-training-set --save-profile \(name)"
        )
        guard let names = try? JSONDecoder().decode([String].self, from: Data(features.utf8)) else {
            throw damaged
        }
        let features = try names.map { text -> ProfiledFeature in
            guard let reference = FeatureReference(parsing: text) else { throw damaged }
            return ProfiledFeature(view: reference.view, feature: reference.feature)
        }
        self.init(
            name: name, createdAt: Timestamp(microseconds: createdAt), rows: Int(rows), origin: origin,
            features: features)
    }

    /// The feature list as a `profile_baselines` row stores it.
    package func storedFeatures() throws -> String {
        String(decoding: try JSONEncoder().encode(features.map(\.description)), as: UTF8.self)
    }

    enum CodingKeys: String, CodingKey {
        case name
        case createdAt = "created_at"
        case rows, origin, features
    }
}

extension OfflineStore {
    /// Saves `profiles` as the baseline `name`, replacing a baseline of that name, in one
    /// transaction (all features or none). Returns the replaced baseline's description, if any.
    @discardableResult
    public func saveBaseline(_ info: BaselineInfo, profiles: [ProfiledFeature: FeatureProfile]) throws -> BaselineInfo?
    {
        let source = ProfileSource.baseline(info.name)
        return try storage {
            try database.transaction {
                try createProfileTables()
                let previous = try baselineInfo(named: info.name)
                try database.prepare("DELETE FROM profiles WHERE kind = 'baseline' AND name = ?").run([
                    .text(info.name)
                ])
                var slots: [ProfileSlot: FeatureProfile] = [:]
                for (feature, profile) in profiles {
                    slots[ProfileSlot(feature: feature, bucketStart: Timestamp(microseconds: 0), bucketLength: .zero)] =
                        profile
                }
                try mergeStored(slots, into: source)
                let features = try info.storedFeatures()
                try database.prepare(
                    "INSERT INTO profile_baselines (name, created_at, rows, origin, features) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET created_at = excluded.created_at, rows = excluded.rows, origin = excluded.origin, features = excluded.features"
                ).run([
                    .text(info.name), .integer(info.createdAt.microseconds), .integer(Int64(info.rows)),
                    .text(info.origin), .text(features),
                ])
                return previous
            }
        }
    }

    /// The baseline `name` with its profiles; `nil` when none is saved under that name.
    public func baseline(named name: String) throws -> Baseline? {
        try storage {
            guard try hasProfileTables(), let info = try baselineInfo(named: name) else { return nil }
            var profiles: [ProfiledFeature: FeatureProfile] = [:]
            for feature in info.features {
                if let stored = try storedProfile(of: .baseline(name), feature: feature) {
                    profiles[feature] = stored.profile
                }
            }
            return Baseline(info: info, profiles: profiles)
        }
    }

    /// Every saved baseline, by name.
    public func baselines() throws -> [BaselineInfo] {
        try storage {
            guard try database.tableExists("profile_baselines") else { return [] }
            let statement = try database.prepare("SELECT name FROM profile_baselines ORDER BY name")
            var names: [String] = []
            while try statement.step() { names.append(statement.text(0)) }
            return try names.compactMap { try baselineInfo(named: $0) }
        }
    }

    private func baselineInfo(named name: String) throws -> BaselineInfo? {
        guard try database.tableExists("profile_baselines") else { return nil }
        let statement = try database.prepare(
            "SELECT created_at, rows, origin, features FROM profile_baselines WHERE name = ?")
        try statement.bind([.text(name)])
        guard try statement.step() else { return nil }
        return try BaselineInfo(
            stored: name, createdAt: statement.int64(0), rows: statement.int64(1), origin: statement.text(2),
            features: statement.text(3))
    }
}
