import FeatureStoreCore

/// How one aggregate view's online state is laid out: raw events and partial-aggregate tiles per
/// entity, kept for the longest window plus the view's lateness.
public struct AggregateLayout: Sendable {
    public let keyspace: OnlineKeyspace
    public let aggregations: [Aggregation]
    /// The source columns the aggregations read.
    public let columns: [String]
    /// How far back state is kept: the longest window plus the allowed lateness.
    public let retention: TimeSpan
    /// The aggregations' names as UTF-8, as tiles store them.
    let aggregationNames: [[UInt8]]
    /// The columns' names as UTF-8, as events store them.
    let columnBytes: [[UInt8]]

    public init(view: FeatureView, generation: Int64) {
        keyspace = OnlineKeyspace(view: view.name, generation: generation)
        aggregations = view.aggregations
        var columns: [String] = []
        for aggregation in view.aggregations where !columns.contains(aggregation.column) {
            columns.append(aggregation.column)
        }
        self.columns = columns
        retention = TimeSpan(
            microseconds: (view.aggregations.map(\.window).max() ?? .zero).microseconds + view.lateness.microseconds)
        aggregationNames = view.aggregations.map { Array($0.name.utf8) }
        columnBytes = columns.map { Array($0.utf8) }
    }

    /// Events older than this at `now` are expired online (and too late to add).
    public func cutoff(at now: Timestamp) -> Timestamp { now - retention }

    /// `prefix, entity, time, created`: one raw event.
    func eventKey(entity: [UInt8], time: Int64, created: Int64) -> [UInt8] {
        var key = keyspace.prefix + entity
        appendSortable(time, to: &key)
        appendSortable(created, to: &key)
        return key
    }

    /// The first event key at or after `time` for an entity.
    func eventBound(entity: [UInt8], time: Int64) -> [UInt8] {
        var key = keyspace.prefix + entity
        appendSortable(time, to: &key)
        return key
    }

    /// `prefix, entity, level, index`: one tile.
    func tileKey(entity: [UInt8], tile: TileLevels.Tile) -> [UInt8] {
        var key = keyspace.prefix + entity
        key.append(UInt8(tile.level))
        appendSortable(tile.index, to: &key)
        return key
    }
}

/// Big-endian with the sign bit flipped, so byte order is numeric order.
@inline(__always)
func appendSortable(_ value: Int64, to out: inout [UInt8]) {
    appendBigEndian(UInt64(bitPattern: value) ^ (1 << 63), to: &out)
}

/// A raw event for aggregate state: an entity, its times, and the values of the view's columns.
public struct AggregateEvent: Sendable, Hashable {
    public var key: [FeatureValue]
    public var time: Timestamp
    public var created: Timestamp
    /// Values of ``AggregateLayout/columns``, in that order.
    public var values: [FeatureValue]

    public init(key: [FeatureValue], time: Timestamp, created: Timestamp, values: [FeatureValue]) {
        self.key = key
        self.time = time
        self.created = created
        self.values = values
    }
}

/// What adding events did.
public struct AggregateWriteSummary: Sendable, Hashable {
    /// Events added to the state.
    public var applied = 0
    /// Events the state already held (re-materialized ranges, re-pushed events).
    public var duplicates = 0
    /// Events older than the retention at write time: they reach only the offline history.
    public var late = 0

    public init() {}
}
