import FeatureProfiles
import FeatureStoreCore
import SQLite

/// One feature's stored profiles over a range of time, merged.
public struct StoredProfile: Sendable {
    public var profile: FeatureProfile
    /// How many stored buckets were merged.
    public var buckets: Int
    /// The start of the first bucket and the end of the last one merged (both 0 for a baseline).
    public var start: Timestamp
    public var end: Timestamp

    /// Merges the next stored bucket (in bucket order) into `result`: a bucket of another type
    /// than the ones before (the feature's type changed) replaces them, the later buckets
    /// describing the feature.
    package static func add(
        _ profile: FeatureProfile, start: Timestamp, length: TimeSpan, to result: inout StoredProfile?
    ) throws {
        let end = start.addingClamped(length)
        guard var merged = result else {
            result = StoredProfile(profile: profile, buckets: 1, start: start, end: end)
            return
        }
        merged.profile = try merged.profile.combined(with: profile)
        merged.buckets += 1
        merged.end = max(merged.end, end)
        result = merged
    }
}

extension OfflineStore {
    /// Merges profiles into the stored buckets of a series, in one transaction: what a served-log
    /// flush calls with the profiles of the rows it wrote (``ProfileAccumulator`` with hourly
    /// buckets), and what the offline profile update uses. Hourly buckets older than
    /// ``ProfileBuckets/hourlyRetention`` at `now` are then merged into days.
    ///
    /// A stored bucket holding values of another type than the new profile (the feature's type
    /// changed) is replaced by the new profile.
    public func mergeProfiles(_ profiles: ProfileAccumulator, into source: ProfileSource, now: Timestamp) throws {
        guard !profiles.isEmpty else { return }
        try storage {
            try database.transaction {
                try createProfileTables()
                try mergeStored(profiles.profiles, into: source)
                try rollUp(source, now: now)
            }
        }
    }

    /// Merges profiles into stored buckets (inside a write transaction).
    func mergeStored(_ slots: [ProfileSlot: FeatureProfile], into source: ProfileSource) throws {
        let select = try database.prepare(
            "SELECT profile FROM profiles WHERE kind = ?1 AND name = ?2 AND generation = ?3 AND view = ?4 AND feature = ?5 AND bucket_start = ?6 AND bucket_length = ?7"
        )
        let upsert = try database.prepare(
            "INSERT INTO profiles (kind, name, generation, view, feature, bucket_start, bucket_length, profile) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (kind, name, generation, view, feature, bucket_start, bucket_length) DO UPDATE SET profile = excluded.profile"
        )
        for (slot, profile) in slots {
            let key: [SQLiteValue] = [
                .text(source.kind.rawValue), .text(source.name), .integer(source.generation), .text(slot.feature.view),
                .text(slot.feature.feature), .integer(slot.bucketStart.microseconds),
                .integer(slot.bucketLength.microseconds),
            ]
            select.reset()
            try select.bind(key)
            var merged = profile
            if try select.step() { merged = try FeatureProfile(decoding: select.blob(0)).combined(with: profile) }
            select.reset()
            upsert.reset()
            try upsert.run(key + [.blob(merged.encoded())])
        }
    }

    /// Merges the hourly buckets of `source` that start before the day ``ProfileBuckets/hourlyRetention``
    /// before `now` into daily buckets (inside a write transaction). Only those buckets are read.
    func rollUp(_ source: ProfileSource, now: Timestamp) throws {
        let cutoff = ProfileBuckets.rollUpBefore(now: now)
        let old = try database.prepare(
            "SELECT id, view, feature, bucket_start, profile FROM profiles INDEXED BY profiles_age WHERE kind = ? AND name = ? AND generation = ? AND bucket_length = ? AND bucket_start < ? ORDER BY bucket_start, id"
        )
        try old.bind([
            .text(source.kind.rawValue), .text(source.name), .integer(source.generation),
            .integer(ProfileBuckets.hour.microseconds), .integer(cutoff.microseconds),
        ])
        var days = ProfileAccumulator(bucketLength: ProfileBuckets.day)
        var ids: [Int64] = []
        while try old.step() {
            ids.append(old.int64(0))
            let feature = ProfiledFeature(view: old.text(1), feature: old.text(2))
            let slot = days.slot(of: feature, at: Timestamp(microseconds: old.int64(3)))
            let profile = try FeatureProfile(decoding: old.blob(4))
            // Rows come in bucket order: of buckets of a former type, the later hour stays.
            try days.combine(profile, into: slot)
        }
        guard !ids.isEmpty else { return }
        let delete = try database.prepare("DELETE FROM profiles WHERE id = ?")
        for id in ids {
            delete.reset()
            try delete.run([.integer(id)])
        }
        try mergeStored(days.profiles, into: source)
    }

    /// The profiles of `feature` in `source` whose buckets start in `[from, to)` (every bucket
    /// when both are `nil`), merged; `nil` when there are none.
    public func storedProfile(
        of source: ProfileSource, feature: ProfiledFeature, from: Timestamp? = nil, to: Timestamp? = nil
    ) throws -> StoredProfile? {
        try storage {
            guard try hasProfileTables() else { return nil }
            let statement = try database.prepare(
                "SELECT bucket_start, bucket_length, profile FROM profiles WHERE kind = ? AND name = ? AND generation = ? AND view = ? AND feature = ? AND bucket_start >= ? AND bucket_start < ? ORDER BY bucket_start"
            )
            try statement.bind([
                .text(source.kind.rawValue), .text(source.name), .integer(source.generation), .text(feature.view),
                .text(feature.feature), .integer((from ?? .min).microseconds), .integer((to ?? .max).microseconds),
            ])
            var result: StoredProfile?
            while try statement.step() {
                try StoredProfile.add(
                    FeatureProfile(decoding: statement.blob(2)), start: Timestamp(microseconds: statement.int64(0)),
                    length: TimeSpan(microseconds: statement.int64(1)), to: &result)
            }
            return result
        }
    }

    /// The series of a kind that hold profiles (the feature services with served-log profiles, say).
    public func profileSources(kind: ProfileSourceKind) throws -> [ProfileSource] {
        try storage {
            guard try hasProfileTables() else { return [] }
            let statement = try database.prepare(
                "SELECT DISTINCT name, generation FROM profiles WHERE kind = ? ORDER BY name, generation")
            try statement.bind([.text(kind.rawValue)])
            var sources: [ProfileSource] = []
            while try statement.step() {
                sources.append(ProfileSource(kind: kind, name: statement.text(0), generation: statement.int64(1)))
            }
            return sources
        }
    }

    /// The features `source` holds profiles of.
    public func profiledFeatures(of source: ProfileSource) throws -> [ProfiledFeature] {
        try storage {
            guard try hasProfileTables() else { return [] }
            let statement = try database.prepare(
                "SELECT DISTINCT view, feature FROM profiles WHERE kind = ? AND name = ? AND generation = ? ORDER BY view, feature"
            )
            try statement.bind([.text(source.kind.rawValue), .text(source.name), .integer(source.generation)])
            var features: [ProfiledFeature] = []
            while try statement.step() {
                features.append(ProfiledFeature(view: statement.text(0), feature: statement.text(1)))
            }
            return features
        }
    }

    /// Deletes the offline profiles (and marks) that `keep` does not name: those of removed
    /// sources, views and features, and of generations a breaking change replaced. Call after
    /// `fs apply`, with every (source, generation) and its profiled features.
    public func dropOfflineProfiles(except keep: [ProfileSource: Set<ProfiledFeature>]) throws {
        try storage {
            guard try hasProfileTables() else { return }
            try database.transaction {
                var stale: [(ProfileSource, ProfiledFeature)] = []
                let list = try database.prepare(
                    "SELECT DISTINCT name, generation, view, feature FROM profiles WHERE kind = 'offline' UNION SELECT source, generation, view, feature FROM profile_marks"
                )
                while try list.step() {
                    let source = ProfileSource.offline(source: list.text(0), generation: list.int64(1))
                    let feature = ProfiledFeature(view: list.text(2), feature: list.text(3))
                    if keep[source]?.contains(feature) != true { stale.append((source, feature)) }
                }
                let profiles = try database.prepare(
                    "DELETE FROM profiles WHERE kind = 'offline' AND name = ? AND generation = ? AND view = ? AND feature = ?"
                )
                let marks = try database.prepare(
                    "DELETE FROM profile_marks WHERE source = ? AND generation = ? AND view = ? AND feature = ?")
                for (source, feature) in stale {
                    let key: [SQLiteValue] = [
                        .text(source.name), .integer(source.generation), .text(feature.view), .text(feature.feature),
                    ]
                    profiles.reset()
                    try profiles.run(key)
                    marks.reset()
                    try marks.run(key)
                }
            }
        }
    }
}
