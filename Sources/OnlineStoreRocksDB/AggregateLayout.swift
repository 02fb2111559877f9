import FeatureStoreCore

/// How one aggregate view's online state is laid out: raw events, an identity index and
/// partial-aggregate tiles per entity, kept for the longest window plus the view's lateness.
///
/// Keys start with the keyspace prefix and the entity (``EntityKeyEncoding``), then a kind byte:
/// - `0x10 + level`, the tile index (sign-flipped big-endian): one tile, holding one partial state
///   per distinct (function, column) of the aggregations, each under its name (`sum(fare)`) and
///   length, so a state no aggregation uses any more is skipped (``AggregateTileCodec``);
/// - `0x20`, the event time, the event id: one raw event (an ``OnlineRecord`` of its columns);
/// - `0x21`, the event id: the identity index, holding the stored version's event time, created
///   time and version (``EventIdentityEntry``).
public struct AggregateLayout: Sendable {
    public let keyspace: OnlineKeyspace
    public let aggregations: [Aggregation]
    /// The source columns the aggregations read.
    public let columns: [String]
    /// How far back state is kept: the longest window plus the allowed lateness (saturated: never
    /// traps, whatever the definition).
    public let retention: TimeSpan
    /// Why the view's online state cannot be used: a window beyond ``DurationLimits/window`` (a
    /// definition registered before the limits existed); `nil` normally.
    public let problem: String?
    /// The partial states a tile holds: one per distinct (function, column).
    let states: [StateKey]
    /// For each aggregation, its state's position in ``states``.
    let stateOfAggregation: [Int]
    /// For each state, its column's position in ``columns``.
    let columnOfState: [Int]
    /// The states' names as UTF-8, as tiles store them.
    let stateNames: [[UInt8]]
    /// The columns' names as UTF-8, as events store them.
    let columnBytes: [[UInt8]]

    /// What a partial state aggregates: the same for aggregations that differ only in their window.
    struct StateKey: Hashable {
        var function: AggregationFunction
        var column: String

        /// `sum(fare)`: the name tiles store the state under.
        var name: String { "\(function.rawValue)(\(column))" }
    }

    public init(view: FeatureView, generation: Int64) {
        keyspace = OnlineKeyspace(view: view.name, generation: generation)
        aggregations = view.aggregations
        var columns: [String] = []
        var states: [StateKey] = []
        var stateOfAggregation: [Int] = []
        for aggregation in view.aggregations {
            if !columns.contains(aggregation.column) { columns.append(aggregation.column) }
            let key = StateKey(function: aggregation.function, column: aggregation.column)
            if let known = states.firstIndex(of: key) {
                stateOfAggregation.append(known)
            } else {
                stateOfAggregation.append(states.count)
                states.append(key)
            }
        }
        self.columns = columns
        self.states = states
        self.stateOfAggregation = stateOfAggregation
        columnOfState = states.map { state in columns.firstIndex(of: state.column)! }
        stateNames = states.map { Array($0.name.utf8) }
        columnBytes = columns.map { Array($0.utf8) }
        let longest = view.aggregations.map(\.window).max() ?? .zero
        let (sum, overflow) = longest.microseconds.addingReportingOverflow(Swift.max(0, view.lateness.microseconds))
        retention = TimeSpan(microseconds: overflow ? .max : sum)
        if let long = view.aggregations.first(where: { $0.window > DurationLimits.window }) {
            problem =
                "aggregation '\(long.name)' of feature view '\(view.name)' has a window of \(long.window), longer than the supported maximum of \(DurationLimits.describe(DurationLimits.window)); shorten it in the feature repo and run `fs apply`"
        } else {
            problem = nil
        }
    }

    /// Throws ``problem`` when there is one.
    func checkUsable() throws {
        if let problem { throw FeatureStoreError(.invalidDefinitions, problem) }
    }

    /// Events older than this at `now` are expired online (and too late to add). Never traps: a
    /// cutoff before the first representable instant is that instant.
    public func cutoff(at now: Timestamp) -> Timestamp { now.saturatingSubtracting(retention) }

    static let tileKind: UInt8 = 0x10
    static let eventKind: UInt8 = 0x20
    static let identityKind: UInt8 = 0x21

    /// `prefix, entity, 0x20, time, id`: one raw event.
    func eventKey(entity: [UInt8], time: Int64, id: Int64) -> [UInt8] {
        var key = eventBound(entity: entity, time: time)
        appendSortable(id, to: &key)
        return key
    }

    /// The first event key at or after `time` for an entity.
    func eventBound(entity: [UInt8], time: Int64) -> [UInt8] {
        var key = keyspace.prefix + entity
        key.append(Self.eventKind)
        appendSortable(time, to: &key)
        return key
    }

    /// The event id at the end of an event key.
    static func id(ofEventKey key: UnsafeRawBufferPointer) -> Int64? {
        guard key.count >= 8 else { return nil }
        var raw: UInt64 = 0
        for byte in key[(key.count - 8)...] { raw = raw << 8 | UInt64(byte) }
        return Int64(bitPattern: raw ^ (1 << 63))
    }

    /// `prefix, entity, 0x21, id`: where the stored version of an event is recorded.
    func identityKey(entity: [UInt8], id: Int64) -> [UInt8] {
        var key = keyspace.prefix + entity
        key.append(Self.identityKind)
        appendSortable(id, to: &key)
        return key
    }

    /// `prefix, entity, 0x10 + level, index`: one tile.
    func tileKey(entity: [UInt8], tile: TileLevels.Tile) -> [UInt8] {
        var key = keyspace.prefix + entity
        key.append(Self.tileKind + UInt8(tile.level))
        appendSortable(tile.index, to: &key)
        return key
    }

    /// Checks an event before anything is written: one value per column, and only finite numbers
    /// (aggregates refuse NaN and infinities, offline and online alike).
    func check(_ event: AggregateEvent) throws {
        guard event.values.count == columns.count else {
            throw FeatureStoreError.invalidArgument(
                "an event for feature view '\(keyspace.view)' has \(event.values.count) values; the view aggregates \(columns.count) columns (\(columns.joined(separator: ", ")))"
            )
        }
        for (column, value) in zip(columns, event.values) where value.nonFiniteNumber {
            throw FeatureStoreError.invalidInput(
                "feature view '\(keyspace.view)' cannot aggregate the event of entity \(describe(event.key)) at \(event.time): column '\(column)' is \(value.text), not a finite number; aggregates take finite numbers only"
            )
        }
    }
}

/// An entity key for messages: `(1001)`, `('a', 2)`.
func describe(_ key: [FeatureValue]) -> String {
    "(" + key.map { value in if case .string(let s) = value { "'\(s)'" } else { value.text } }.joined(separator: ", ")
        + ")"
}

/// Big-endian with the sign bit flipped, so byte order is numeric order.
@inline(__always)
func appendSortable(_ value: Int64, to out: inout [UInt8]) {
    appendBigEndian(UInt64(bitPattern: value) ^ (1 << 63), to: &out)
}
