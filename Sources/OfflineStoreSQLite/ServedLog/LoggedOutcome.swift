import FeatureStoreCore

/// What a model answered, or a label learnt later, for one logged request
/// (`POST /log/outcomes`): named values at an event time.
public struct LoggedOutcome: Hashable, Sendable {
    /// One named value (`prediction: 0.83`, `label: 1`).
    public struct Value: Hashable, Sendable {
        public var name: String
        public var value: FeatureValue

        public init(name: String, value: FeatureValue) {
            self.name = name
            self.value = value
        }
    }

    /// The `X-Request-ID` of the logged lookup (any id is accepted: an outcome may arrive before
    /// its lookup's log rows are written, or for a lookup that was not sampled).
    public var requestID: String
    /// When the outcome happened.
    public var eventTime: Timestamp
    public var values: [Value]

    public init(requestID: String, eventTime: Timestamp, values: [Value]) {
        self.requestID = requestID
        self.eventTime = eventTime
        self.values = values
    }

    /// Whether `name` can name an outcome value: 1 to 128 ASCII letters, digits and `_`, not
    /// starting with a digit nor with `__` (reserved for the log's own columns).
    public static func isValidName(_ name: String) -> Bool { ServedLogColumns.isOutcomeName(name) }
}
