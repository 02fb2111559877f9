/// How far in the future an event time may lie: `future_skew` in `feature_store.yaml`
/// (default 1 day). Later event times are refused at ingest, push and write: they are clock or
/// unit mistakes (milliseconds read as seconds), and one such value would pin an entity's
/// online value, since online writes never go back in time.
public struct EventTimeLimit: Sendable, Hashable {
    /// The current time the limit is measured from.
    public var now: Timestamp
    public var skew: TimeSpan

    public static let defaultSkew = TimeSpan.days(1)

    public init(now: Timestamp, skew: TimeSpan = EventTimeLimit.defaultSkew) {
        self.now = now
        self.skew = skew
    }

    /// The latest event time accepted.
    public var latest: Timestamp { now.addingClamped(skew) }

    /// Why `time` is refused, or `nil` when it is accepted: a sentence to follow the value.
    public func problem(_ time: Timestamp) -> String? {
        guard time > latest else { return nil }
        let ahead = TimeSpan(microseconds: time.microseconds &- now.microseconds)
        return
            "is \(ahead.microseconds > 0 ? ahead.description : "far") ahead of the current time (\(now.rfc3339)); event times more than \(skew) in the future are refused as clock or unit mistakes (raise future_skew in feature_store.yaml if they are real)"
    }
}
