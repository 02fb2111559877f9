import FeatureStoreCore

/// A view's feature: the unit profiles are kept for.
public struct ProfiledFeature: Hashable, Sendable, Codable, CustomStringConvertible {
    public var view: String
    public var feature: String

    public init(view: String, feature: String) {
        self.view = view
        self.feature = feature
    }

    public var description: String { "\(view):\(feature)" }
}

/// Where one profile belongs in a series: a feature and a time bucket.
public struct ProfileSlot: Hashable, Sendable {
    public var feature: ProfiledFeature
    /// The bucket's start (0 for a series kept in one bucket, as baselines are).
    public var bucketStart: Timestamp
    /// The bucket's length (zero for one bucket).
    public var bucketLength: TimeSpan

    public init(feature: ProfiledFeature, bucketStart: Timestamp, bucketLength: TimeSpan) {
        self.feature = feature
        self.bucketStart = bucketStart
        self.bucketLength = bucketLength
    }
}

/// Collects profiles of values as they arrive, per feature and hour (or in one bucket): what a
/// served-log flush, an ingest or a training set builds before the profiles are stored.
///
/// ```swift
/// var profiles = ProfileAccumulator(bucketLength: ProfileBuckets.hour)
/// profiles.add(.float64(0.42), type: .float64, to: ProfiledFeature(view: "driver_stats", feature: "conv_rate"), at: time)
/// try offlineStore.mergeProfiles(profiles, into: .served(service: "driver_activity"), now: now)
/// ```
public struct ProfileAccumulator: Sendable, Equatable {
    /// The bucket length; zero keeps one bucket per feature (starting at 0).
    public let bucketLength: TimeSpan
    public private(set) var profiles: [ProfileSlot: FeatureProfile] = [:]

    public init(bucketLength: TimeSpan) { self.bucketLength = bucketLength }

    /// The slot of `feature` at `time`.
    public func slot(of feature: ProfiledFeature, at time: Timestamp) -> ProfileSlot {
        let start =
            bucketLength > .zero ? ProfileBuckets.start(of: time, length: bucketLength) : Timestamp(microseconds: 0)
        return ProfileSlot(feature: feature, bucketStart: start, bucketLength: bucketLength)
    }

    /// Adds one value of `feature` (of `type`) at `time`.
    public mutating func add(_ value: FeatureValue, type: ValueType, to feature: ProfiledFeature, at time: Timestamp) {
        let slot = slot(of: feature, at: time)
        profiles[slot, default: FeatureProfile(type: type)].add(value)
    }

    /// Merges a whole profile into a slot.
    ///
    /// - Throws: ``FeatureStoreError`` (`conflict`) when the slot holds a profile of another type.
    public mutating func merge(_ profile: FeatureProfile, into slot: ProfileSlot) throws {
        if var existing = profiles.removeValue(forKey: slot) {
            defer { profiles[slot] = existing }
            try existing.merge(profile)
        } else {
            profiles[slot] = profile
        }
    }

    /// Combines `profile` into `slot` as a later profile (``FeatureProfile/combined(with:)``):
    /// merged when the slot holds the same type, replacing it when the type changed.
    public mutating func combine(_ profile: FeatureProfile, into slot: ProfileSlot) throws {
        profiles[slot] = try profiles[slot].map { try $0.combined(with: profile) } ?? profile
    }

    /// Merges everything another accumulator collected.
    public mutating func merge(_ other: ProfileAccumulator) throws {
        for (slot, profile) in other.profiles { try merge(profile, into: slot) }
    }

    public var isEmpty: Bool { profiles.isEmpty }
}

extension ProfileAccumulator {
    /// These hourly profiles split as the stored buckets end up once merged and rolled up at `now`:
    /// the hours from the day ``ProfileBuckets/hourlyRetention`` before `now` on stay hours, the
    /// older ones are combined into days (in bucket order, as a roll-up of stored hours does).
    /// Merging the days directly spares writing those hours only to read them back.
    public func splitForRollUp(now: Timestamp) throws -> (hours: ProfileAccumulator, days: ProfileAccumulator) {
        let cutoff = ProfileBuckets.rollUpBefore(now: now)
        var hours = ProfileAccumulator(bucketLength: bucketLength)
        var days = ProfileAccumulator(bucketLength: ProfileBuckets.day)
        let ordered = profiles.sorted {
            ($0.key.bucketStart, $0.key.feature.view, $0.key.feature.feature)
                < ($1.key.bucketStart, $1.key.feature.view, $1.key.feature.feature)
        }
        for (slot, profile) in ordered {
            if bucketLength == ProfileBuckets.hour && slot.bucketStart < cutoff {
                try days.combine(profile, into: days.slot(of: slot.feature, at: slot.bucketStart))
            } else {
                hours.profiles[slot] = profile
            }
        }
        return (hours, days)
    }
}
