import FeatureStoreCore

/// One row to write: its event and created times and its feature values by name (the fields of
/// the RocksDB store's `OnlineRecord`, so one type can serve both once it moves to the core).
public struct RedisOnlineRow: Hashable, Sendable {
    public var eventTime: Timestamp
    public var createdTime: Timestamp
    public var values: [String: FeatureValue]

    public init(eventTime: Timestamp, createdTime: Timestamp, values: [String: FeatureValue]) {
        self.eventTime = eventTime
        self.createdTime = createdTime
        self.values = values
    }

    /// Whether this row replaces `other`: a later event time, or the same with a later created time.
    public func isNewer(than other: RedisOnlineRow) -> Bool {
        (eventTime, createdTime) > (other.eventTime, other.createdTime)
    }
}
