import FeatureStoreCore

/// How one aggregate view's online state is laid out: partial-aggregate tiles holding the raw
/// events, and an identity index for events whose versions can move in time, kept for the longest
/// window plus the view's lateness.
///
/// Everything lives in the `aggregates` column family. After the keyspace prefix:
/// - `0x01`, an hour (sign-flipped big-endian index of a 1-hour tile), `0x10 + level`, the tile
///   index, the entity (``EntityKeyEncoding``): one tile whose last instant falls in that hour,
///   holding the number of its events and one partial state per distinct (function, column) of
///   the aggregations, each under its name (``AggregateTileCodec``);
/// - `0x02`, the entity, the event id: where the stored version of an event is, for events whose
///   versions may have other event times (``AggregateEvent/versionsShareTime`` false): the stored
///   version's event time, created time and version (``EventIdentityEntry``).
///
/// Tiles of 1 hour and longer exist for every hour with events; tiles of 1 and 5 minutes only for
/// hours of one entity with more than ``fineTileThreshold`` (64) events (the hour's tile says so,
/// ``TileValue/fine``). Each raw event is kept once, in the finest tile of its hour (a leaf): the
/// 1-hour tile of a sparse hour, the 1-minute tile of a dense one. So a sparse hour is one key,
/// a read finds the events of a window's edge in the tiles it fetches anyway (no iterator), and
/// a dense hour's edges read a few minute tiles.
///
/// The state is ordered by hour first, so everything the cutoff has passed is one contiguous range,
/// removed with one range delete by ``OnlineStore/expireAggregates(layout:now:)`` whatever the
/// number of entities (quiet ones included), and a bulk fill that reads events in time order
/// writes keys in order (``AggregateFill``).
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
    public func checkUsable() throws {
        if let problem { throw FeatureStoreError(.invalidDefinitions, problem) }
    }

    /// Events older than this at `now` are expired online (and too late to add). Never traps: a
    /// cutoff before the first representable instant is that instant.
    public func cutoff(at now: Timestamp) -> Timestamp { now.saturatingSubtracting(retention) }

    /// The positions in ``aggregations`` of the aggregations named, in the order given (what a
    /// read of `features` computes, whichever store holds the state).
    ///
    /// - Throws: `notFound` naming the view and the unknown aggregation.
    public func aggregationPositions(named names: [String]) throws -> [Int] {
        try names.map { name in
            guard let position = aggregations.firstIndex(where: { $0.name == name }) else {
                throw FeatureStoreError.notFound("view '\(keyspace.view)' has no aggregation '\(name)'")
            }
            return position
        }
    }

    /// The part of a keyspace ordered by hour (tiles and raw events), and the identity index.
    static let timedPart: UInt8 = 0x01
    static let identityPart: UInt8 = 0x02
    /// The kind of tiles within an hour (plus their level).
    static let tileKind: UInt8 = 0x10

    /// The hour (index of the 1-hour tile) of an event time.
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
        var key: [UInt8] = []
        appendTileKey(entity: entity, tile: tile, to: &key)
        return key
    }

    func appendTileKey(entity: [UInt8], tile: TileLevels.Tile, to key: inout [UInt8]) {
        key.reserveCapacity(key.count + keyspace.prefix.count + 18 + entity.count)
        key += keyspace.prefix
        key.append(Self.timedPart)
        appendSortable(Self.hour(of: tile), to: &key)
        key.append(Self.tileKind + UInt8(tile.level))
        appendSortable(tile.index, to: &key)
        key += entity
    }

    /// The first key of bucket `hour`: its tiles.
    func hourBound(_ hour: Int64) -> [UInt8] {
        var key = keyspace.prefix
        key.reserveCapacity(key.count + 10 + 40)
        key.append(Self.timedPart)
        appendSortable(hour, to: &key)
        return key
    }

    /// The offset of the kind byte in a tile key.
    var kindOffset: Int { keyspace.prefix.count + 9 }

    /// The level and entity of a tile key; `nil` for another key.
    func tileLevelAndEntity(ofKey key: UnsafeRawBufferPointer) -> (level: Int, entity: [UInt8])? {
        let start = kindOffset + 9
        guard key.count > start, key[kindOffset] >= Self.tileKind,
            key[kindOffset] < Self.tileKind + UInt8(TileLevels.lengths.count)
        else { return nil }
        return (Int(key[kindOffset] - Self.tileKind), Array(key[start...]))
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
    public func check(_ event: AggregateEvent) throws {
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
