import FeatureStoreCore

/// What one materialization did, per view: the machine-readable summary (`--json`).
public struct MaterializationReport: Codable, Sendable {
    public struct ViewReport: Codable, Sendable {
        public var view: String
        public var from: Timestamp
        public var to: Timestamp
        /// Offline rows read.
        public var rowsScanned: Int
        /// Entities whose latest row was found in the range.
        public var entities: Int
        /// Online rows written: for snapshot views, entities whose row changed (older stored rows
        /// are never replaced by these); for aggregate views, events added to the state.
        public var written: Int
        public var seconds: Double

        enum CodingKeys: String, CodingKey {
            case view, from, to, entities, written, seconds
            case rowsScanned = "rows_scanned"
        }
    }

    public var views: [ViewReport]
    /// Views not materialized, with the reason.
    public var skipped: [String: String]
    public var seconds: Double
    /// The end asked for, when it lay in the future and the run stopped at the current time instead.
    public var requestedEnd: Timestamp?
    /// Why the run is missing from the registry's run history, when recording it failed (the
    /// materialization itself succeeded).
    public var unrecorded: String?

    enum CodingKeys: String, CodingKey {
        case views, skipped, seconds, unrecorded
        case requestedEnd = "requested_end"
    }

    public var rowsScanned: Int { views.reduce(0) { $0 + $1.rowsScanned } }
    public var written: Int { views.reduce(0) { $0 + $1.written } }
}

/// Progress of a running materialization, for a progress bar.
public struct MaterializationProgress: Sendable {
    public var view: String
    public var viewIndex: Int
    public var viewCount: Int
    public var rowsScanned: Int
}
