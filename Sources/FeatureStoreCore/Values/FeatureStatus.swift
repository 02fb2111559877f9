/// How an online lookup found a feature value, in Feast's words.
public enum FeatureStatus: String, Codable, Sendable, Hashable {
    /// A value was found and is within the view's ttl.
    case present = "PRESENT"
    /// No value is stored for the entity.
    case notFound = "NOT_FOUND"
    /// A row is stored, but this feature's value in it is null.
    case nullValue = "NULL_VALUE"
    /// The stored value is older than the view's ttl allows at read time.
    case outsideMaxAge = "OUTSIDE_MAX_AGE"
}

/// One feature value read from the online store.
public struct OnlineValue: Hashable, Sendable {
    public var value: FeatureValue
    public var status: FeatureStatus
    /// The event time of the row the value came from (`nil` when not found).
    public var eventTime: Timestamp?

    public init(value: FeatureValue, status: FeatureStatus, eventTime: Timestamp?) {
        self.value = value
        self.status = status
        self.eventTime = eventTime
    }

    public static let notFound = OnlineValue(value: .null, status: .notFound, eventTime: nil)
}
