import FeatureProfiles
import FeatureStoreCore

/// Where a feature view's source rows are stored.
public enum HistoryLocation: Sendable {
    /// A history table that `fs ingest` (or the server's push) fills.
    case table(HistoryTable)
    /// A `sqlite` source, read in place: its table or query in the offline database, with raw
    /// column names and timestamps in the source's format.
    case inPlace(Source)
}

/// One feature view's part of a training set: which features, under which output names.
public struct TrainingSetView: Sendable {
    public var view: FeatureView
    /// The view's join keys: spine columns, and columns (mapped names) of its source.
    public var joinKeys: [JoinKey]
    public var history: HistoryLocation
    /// The requested features, in output order.
    public var features: [Feature]
    /// The output column of each feature (`feature` or `view__feature`).
    public var outputNames: [String]

    public init(
        view: FeatureView, joinKeys: [JoinKey], history: HistoryLocation, features: [Feature], outputNames: [String]
    ) {
        self.view = view
        self.joinKeys = joinKeys
        self.history = history
        self.features = features
        self.outputNames = outputNames
    }
}

/// What a training set run produced.
public struct TrainingSetResult: Sendable {
    /// Spine rows, which is also the number of output rows.
    public var rows: Int
    /// The output columns: the spine's, then the features'.
    public var columns: [String]
    /// Per view, how many spine rows found a feature row.
    public var matched: [String: Int]
    public var seconds: Double
    /// Each feature's profile as written, when asked for (`profile: true`).
    public var profiles: [ProfiledFeature: FeatureProfile] = [:]
}

/// The name of the spine column holding each row's point in time.
public let spineTimestampColumn = "event_timestamp"
