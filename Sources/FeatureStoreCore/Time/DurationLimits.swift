/// The longest durations a definition may declare. The repo parser rejects anything longer (naming
/// the field and the limit), so sums of a registered definition's durations and times stay far
/// inside `Int64` and an online aggregate read touches a bounded number of tiles.
public enum DurationLimits {
    /// An aggregation's `window`: 366 days, a leap year. An online read of any window up to this
    /// merges at most 75 tiles (``TileLevels``).
    public static let window = TimeSpan.days(366)
    /// An aggregate view's `lateness`: 366 days.
    public static let lateness = TimeSpan.days(366)
    /// A view's `ttl`: 36,500 days (100 years); `0` means no limit at all.
    public static let ttl = TimeSpan.days(36_500)
    /// A view's `schedule`: from every second to every 366 days.
    public static let scheduleInterval = TimeSpan.days(366)
    public static let minimumScheduleInterval = TimeSpan.seconds(1)
    /// `future_skew` in `feature_store.yaml`: how far ahead of now an event time may be, up to 366 days.
    public static let futureSkew = TimeSpan.days(366)

    /// How a limit reads in messages: `366d (about a year)`, in days (which the repo accepts).
    public static func describe(_ limit: TimeSpan) -> String {
        let day = TimeSpan.days(1).microseconds
        guard limit.microseconds % day == 0 else { return limit.description }
        let days = limit.microseconds / day
        if days >= 365 * 2 { return "\(days)d (about \(days / 365) years)" }
        if days >= 365 { return "\(days)d (about a year)" }
        return "\(days)d"
    }
}
