import FeatureStoreCore

/// A raw event for aggregate state: an entity, its identity, its times, and the values of the
/// view's columns.
///
/// Two events of one entity with the same ``id`` are the same event, and the offline history's rule
/// says which of its versions counts: the later ``created`` time wins, then, on equal created times,
/// the later arrival (the greater ``version``); event time and values play no part. The winner
/// replaces the other version even when its event time differs, so the state does not depend on
/// the order versions arrive in. Two versions with the same created time and ``version`` are the
/// same version: the second changes nothing, whatever its values.
///
/// The state remembers an event while a version of it is stored, that is while its event time is
/// within the view's longest window plus lateness (until the expiry that follows, at the latest an
/// hour later): a winning version older than that removes the stored one and is not stored itself,
/// so a losing version arriving after it would be taken as new.
public struct AggregateEvent: Sendable, Hashable {
    public var key: [FeatureValue]
    /// The event's identity within its entity: the offline row's sequence number for ordinary
    /// sources (re-materializing the same rows is a no-op), a hash of the `dedupe_on` values for
    /// sources that declare them (a re-delivery with a later created time replaces the earlier
    /// one), a random number for events pushed to the online store only.
    public var id: Int64
    /// Which of two versions of one event came later when their created times are equal: the
    /// offline row's arrival number (the later arrival wins, as in the offline history); for
    /// events pushed to the online store only, the push's time in microseconds.
    public var version: Int64
    public var time: Timestamp
    public var created: Timestamp
    /// Values of ``AggregateLayout/columns``, in that order.
    public var values: [FeatureValue]
    /// Whether every version of this event has its event time: its id names one offline row (a
    /// source without `dedupe_on`), or is derived from the event time (`dedupe_on` naming the
    /// timestamp field, a source read in place). Then the state finds a stored version by (event
    /// time, id) and keeps no identity entry for it. `false` (the safe default) keeps one, so a
    /// version with another event time still finds and replaces the stored one.
    public var versionsShareTime: Bool

    public init(
        key: [FeatureValue], id: Int64, version: Int64 = 0, time: Timestamp, created: Timestamp, values: [FeatureValue],
        versionsShareTime: Bool = false
    ) {
        self.key = key
        self.id = id
        self.version = version
        self.time = time
        self.created = created
        self.values = values
        self.versionsShareTime = versionsShareTime
    }

    /// An event without an id of its own: identified by its event and created times (``timeID(time:created:)``),
    /// so, as before ids existed, events of one entity with equal times are one event; its
    /// ``version`` is 0, so the first of them stored stays.
    public init(key: [FeatureValue], time: Timestamp, created: Timestamp, values: [FeatureValue]) {
        self.init(
            key: key, id: Self.timeID(time: time, created: created), time: time, created: created, values: values,
            versionsShareTime: true)
    }

    /// An id derived from the event and created times (a 64-bit mix of both).
    public static func timeID(time: Timestamp, created: Timestamp) -> Int64 {
        var generator = SplitMix64(seed: UInt64(bitPattern: time.microseconds) ^ 0x5DEE_CE66_D1CE_4E5B)
        let mixed = generator.next() ^ UInt64(bitPattern: created.microseconds)
        generator = SplitMix64(seed: mixed)
        return Int64(bitPattern: generator.next())
    }
}

/// What adding events did.
public struct AggregateWriteSummary: Sendable, Hashable {
    /// Event versions added to the state (new events, and later versions of stored ones).
    public var applied = 0
    /// Stored versions that a later version of the same event replaced (or removed, when that
    /// version is too late to be stored).
    public var replaced = 0
    /// Events not stored because the state or the batch holds the same version or a later one
    /// (re-materialized ranges, re-pushed events).
    public var duplicates = 0
    /// Events older than the retention at write time: they reach only the offline history.
    public var late = 0

    public init() {}
}

/// What reading aggregates met, for metrics.
public struct AggregateReadSummary: Sendable, Hashable {
    /// Values served as null because the exact result is beyond its type (an int64 sum beyond
    /// int64, a float64 result beyond ±1.8e308): ``AggregateOutcome/outOfRange(_:)``.
    public var outOfRange = 0
    /// Tiles that could not be decoded and were recomputed from their finer tiles and raw events.
    public var recomputedTiles = 0

    public init() {}
}
