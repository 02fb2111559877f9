import FeatureStoreCore

/// The time buckets profiles are kept in: hours, merged into days once older than
/// ``hourlyRetention``; a baseline is one bucket.
public enum ProfileBuckets {
    public static let hour = TimeSpan.hours(1)
    public static let day = TimeSpan.days(1)
    /// How long hourly buckets are kept before they merge into days (so any window up to 7 days
    /// reads whole hours).
    public static let hourlyRetention = TimeSpan.days(8)

    /// The start of the bucket of `length` holding `time` (aligned to the epoch, UTC).
    ///
    /// Never traps: a time within one bucket of the earliest representable one (far before year 1,
    /// which no stored event time can be) goes to the first whole bucket.
    public static func start(of time: Timestamp, length: TimeSpan) -> Timestamp {
        let size = max(length.microseconds, 1)
        var remainder = time.microseconds % size
        if remainder < 0 { remainder += size }
        let (start, overflow) = time.microseconds.subtractingReportingOverflow(remainder)
        if overflow { return Timestamp(microseconds: start &+ size) }
        return Timestamp(microseconds: start)
    }

    /// The first hour boundary at or after `time` (a window ending at `time` includes its hour).
    public static func hourEnd(after time: Timestamp) -> Timestamp {
        let start = start(of: time, length: hour)
        return start == time ? time : start.addingClamped(hour)
    }

    /// Where hourly buckets end and daily ones begin at `now`: the start of the day
    /// ``hourlyRetention`` before it.
    public static func rollUpBefore(now: Timestamp) -> Timestamp {
        start(of: now.subtractingClamped(hourlyRetention), length: day)
    }
}
