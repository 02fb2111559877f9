import FeatureProfiles
import FeatureStoreCore

/// What feature profiles (`fs stats`, `fs drift`), their incremental updates and named baselines
/// need of an offline store: implemented by ``OfflineStore`` (SQLite) and by the PostgreSQL store,
/// with the same semantics, results and messages.
public protocol ProfileStore: AnyObject {
    /// Brings the hourly offline profiles of `columns` up to date with the rows stored so far
    /// (see ``OfflineStore/updateProfiles(of:columns:now:arrived:)``): each stored row is profiled
    /// once, whoever runs the update and however many run at once. `arrived`, the profiles an
    /// ingest computed of its rows, stands in for reading those rows back where it can.
    @discardableResult
    func updateProfiles(
        of table: HistoryTable, columns: [OfflineProfileColumn], now: Timestamp, arrived: ArrivedProfiles?
    ) throws -> ProfileUpdateResult

    /// Recomputes the offline profiles of `columns` from the rows stored now.
    @discardableResult
    func rebuildProfiles(of table: HistoryTable, columns: [OfflineProfileColumn], now: Timestamp) throws
        -> ProfileUpdateResult

    /// Profiles of `columns` over the rows of `history` with event time in `[from, to)` (all rows
    /// when both are `nil`), computed now and not stored.
    func computeProfiles(of history: HistoryLocation, columns: [OfflineProfileColumn], from: Timestamp?, to: Timestamp?)
        throws -> [ProfiledFeature: FeatureProfile]

    /// Merges profiles into the stored buckets of a series in one transaction, then merges old
    /// hourly buckets into days (see ``OfflineStore/mergeProfiles(_:into:now:)``).
    func mergeProfiles(_ profiles: ProfileAccumulator, into source: ProfileSource, now: Timestamp) throws

    /// The profiles of `feature` in `source` whose buckets start in `[from, to)` (every bucket
    /// when both are `nil`), merged; `nil` when there are none.
    func storedProfile(of source: ProfileSource, feature: ProfiledFeature, from: Timestamp?, to: Timestamp?) throws
        -> StoredProfile?

    /// The series of a kind that hold profiles.
    func profileSources(kind: ProfileSourceKind) throws -> [ProfileSource]

    /// The features `source` holds profiles of.
    func profiledFeatures(of source: ProfileSource) throws -> [ProfiledFeature]

    /// Deletes the offline profiles (and marks) that `keep` does not name.
    func dropOfflineProfiles(except keep: [ProfileSource: Set<ProfiledFeature>]) throws

    /// Saves `profiles` as the baseline `info.name`, replacing one of that name, in one
    /// transaction; returns the replaced baseline's description.
    @discardableResult
    func saveBaseline(_ info: BaselineInfo, profiles: [ProfiledFeature: FeatureProfile]) throws -> BaselineInfo?

    /// The baseline `name` with its profiles; `nil` when none is saved under that name.
    func baseline(named name: String) throws -> Baseline?

    /// Every saved baseline, by name.
    func baselines() throws -> [BaselineInfo]
}

extension ProfileStore {
    /// Every stored bucket of `feature` in `source`, merged.
    public func storedProfile(of source: ProfileSource, feature: ProfiledFeature) throws -> StoredProfile? {
        try storedProfile(of: source, feature: feature, from: nil, to: nil)
    }

    /// Profiles of `columns` over every row of `history`.
    public func computeProfiles(of history: HistoryLocation, columns: [OfflineProfileColumn]) throws
        -> [ProfiledFeature: FeatureProfile]
    {
        try computeProfiles(of: history, columns: columns, from: nil, to: nil)
    }
}

extension OfflineStore: ProfileStore {}

extension ProfileStore {
    /// ``updateProfiles(of:columns:now:arrived:)`` reading every new row back.
    @discardableResult
    public func updateProfiles(of table: HistoryTable, columns: [OfflineProfileColumn], now: Timestamp) throws
        -> ProfileUpdateResult
    {
        try updateProfiles(of: table, columns: columns, now: now, arrived: nil)
    }
}
