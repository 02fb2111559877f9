import FeatureStoreCore

/// How one aggregate view's online state is laid out: raw events, partial-aggregate tiles, and an
/// identity index for events whose versions can move in time, kept for the longest window plus the
/// view's lateness.
///
/// Everything lives in the `aggregates` column family. After the keyspace prefix:
/// - `0x01`, an hour (sign-flipped big-endian index of a 1-hour tile), then
///   - `0x10 + level`, the tile index, the entity (``EntityKeyEncoding``): one tile whose last
///     instant falls in that hour, holding the number of its events and one partial state per
///     distinct (function, column) of the aggregations, each under its name (``AggregateTileCodec``);
///   - `0x20`, the entity, the event time, the event id: one raw event of that hour
///     (``AggregateEventRecord``), so one entity's events of one hour are contiguous;
/// - `0x02`, the entity, the event id: where the stored version of an event is, for events whose
///   versions may have other event times (``AggregateEvent/versionsShareTime`` false): the stored
///   version's event time, created time and version (``EventIdentityEntry``).
///
/// The state is ordered by hour first, so everything the cutoff has passed is one contiguous range,
/// removed with one range delete by ``OnlineStore/expireAggregates(layout:now:)`` whatever the
/// number of entities (quiet ones included), and a bulk fill that reads events in time order
/// writes keys in order (``AggregateFill``).
///
/// Tiles of 1 hour and longer exist for every hour with events; tiles of 1 and 5 minutes only for
/// hours of one entity with more than ``fineTileThreshold`` (64) events (the hour's tile says so), so
/// a sparse hour costs one tile and a dense one keeps its edges cheap to read.
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
    /// The partial states a tile holds: one per distinct (partial function, column).
    let states: [StateKey]
    /// For each aggregation, its state's position in ``states``.
    let stateOfAggregation: [Int]
    /// For each state, its column's position in ``columns``.
    let columnOfState: [Int]
    /// The states' names as UTF-8, as tiles store them.
    let stateNames: [[UInt8]]
    /// The columns' names as UTF-8, as events store them.
    let columnBytes: [[UInt8]]

    /// Hours of one entity with more events than this keep tiles of 1 and 5 minutes (64; tests
    /// use others). The stored state says which hours keep them, so any threshold reads any state.
    let fineTileThreshold: Int64

    /// What a partial state aggregates: the same for aggregations that differ only in their window,
    /// and for `avg` and `sum` of one column (``AggregateState/partialFunction(for:)``).
    struct StateKey: Hashable {
        var function: AggregationFunction
        var column: String

        /// `sum(fare)`: the name tiles store the state under.
        var name: String { "\(function.rawValue)(\(column))" }
    }

    public init(view: FeatureView, generation: Int64) {
        self.init(view: view, generation: generation, fineTileThreshold: 64)
    }

    init(view: FeatureView, generation: Int64, fineTileThreshold: Int64) {
        self.fineTileThreshold = fineTileThreshold
        keyspace = OnlineKeyspace(view: view.name, generation: generation)
        aggregations = view.aggregations
        var columns: [String] = []
        var states: [StateKey] = []
        var stateOfAggregation: [Int] = []
        for aggregation in view.aggregations {
            if !columns.contains(aggregation.column) { columns.append(aggregation.column) }
            let key = StateKey(
                function: AggregateState.partialFunction(for: aggregation.function), column: aggregation.column)
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

    /// The part of a keyspace ordered by hour (tiles and raw events), and the identity index.
    static let timedPart: UInt8 = 0x01
    static let identityPart: UInt8 = 0x02
    /// Kinds within an hour: tiles (plus their level), then raw events.
    static let tileKind: UInt8 = 0x10
    static let eventKind: UInt8 = 0x20

    /// The hour (index of the 1-hour tile) of an event time: the bucket its raw event is kept in.
    @inline(__always)
    static func hour(of time: Int64) -> Int64 {
        TileLevels.Tile(level: TileLevels.hour, containing: .init(microseconds: time)).index
    }

    /// The bucket of a tile: the hour of its last instant, so it expires with that hour.
    static func hour(of tile: TileLevels.Tile) -> Int64 {
        if tile.level <= TileLevels.hour {
            return tile.level == TileLevels.hour ? tile.index : hour(of: tile.range.start.microseconds)
        }
        return hour(of: tile.range.end.microseconds - 1)
    }

    /// `prefix, 0x01, hour of its end, 0x10 + level, index, entity`: one tile.
    func tileKey(entity: [UInt8], tile: TileLevels.Tile) -> [UInt8] {
        var key = hourBound(Self.hour(of: tile))
        key.append(Self.tileKind + UInt8(tile.level))
        appendSortable(tile.index, to: &key)
        key += entity
        return key
    }

    /// `prefix, 0x01, hour, 0x20, entity, time, id`: one raw event.
    func eventKey(entity: [UInt8], time: Int64, id: Int64) -> [UInt8] {
        var key = eventBound(entity: entity, hour: Self.hour(of: time), time: time)
        appendSortable(id, to: &key)
        return key
    }

    /// The first event key of `entity` in bucket `hour` at or after `time` (which may be the hour's
    /// end: the key after every event of the entity in that hour).
    func eventBound(entity: [UInt8], hour: Int64, time: Int64) -> [UInt8] {
        var key = hourBound(hour)
        key.append(Self.eventKind)
        key += entity
        appendSortable(time, to: &key)
        return key
    }

    /// The first key of bucket `hour`: its tiles, then its raw events.
    func hourBound(_ hour: Int64) -> [UInt8] {
        var key = keyspace.prefix
        key.reserveCapacity(key.count + 10 + 40)
        key.append(Self.timedPart)
        appendSortable(hour, to: &key)
        return key
    }

    /// The offset of the kind byte in a key of the timed part.
    var kindOffset: Int { keyspace.prefix.count + 9 }

    /// The event time and id at the end of an event key.
    static func timeAndID(ofEventKey key: UnsafeRawBufferPointer) -> (time: Int64, id: Int64)? {
        guard key.count >= 16 else { return nil }
        return (readSortable(key, at: key.count - 16), readSortable(key, at: key.count - 8))
    }

    /// The entity of an event key (between the kind and the time); `nil` for another key.
    func entity(ofEventKey key: UnsafeRawBufferPointer) -> [UInt8]? {
        let start = kindOffset + 1
        guard key.count >= start + 16, key[kindOffset] == Self.eventKind else { return nil }
        return Array(key[start..<(key.count - 16)])
    }

    /// `prefix, 0x02, entity, id`: where the stored version of an event is recorded.
    func identityKey(entity: [UInt8], id: Int64) -> [UInt8] {
        var key = keyspace.prefix
        key.reserveCapacity(key.count + 9 + entity.count)
        key.append(Self.identityPart)
        key += entity
        appendSortable(id, to: &key)
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

/// A big-endian sign-flipped int64 (``appendSortable(_:to:)``) at `offset`.
@inline(__always)
func readSortable(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int64 {
    let raw = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    return Int64(bitPattern: raw ^ (1 << 63))
}
