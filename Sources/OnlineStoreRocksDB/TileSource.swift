import FeatureStoreCore
import RocksDB

/// The tiles of one entity of an aggregate view as a read or a write sees them: states computed by
/// the write so far, else the stored tile, else (missing parts of a write, or a tile that cannot be
/// decoded) the tile recomputed from its parts.
///
/// A tile is the merge of its finer tiles, and a 1-minute tile the merge of its raw events, so a
/// recomputation reads one minute of raw events and the tiles below, never a whole 28 days of
/// events. Raw events and tiles are complete for every tile a future read can use: expiry only
/// removes tiles that end before the cutoff and events before it, and a read's window never starts
/// before the cutoff.
struct TileSource {
    let store: OnlineStore
    let layout: AggregateLayout
    let entity: [UInt8]
    /// Event writes of the pending batch, which recomputations must see: keys removed, and the
    /// events put (by key).
    var removedEvents: Set<ByteKey> = []
    var addedEvents: [ByteKey: PendingEvent] = [:]
    /// States known for the pending write or this read (computed, read or recomputed).
    var known: [TileLevels.Tile: [AggregateState]] = [:]
    /// Tiles recomputed because they were missing parts or could not be decoded.
    var recomputed: Set<TileLevels.Tile> = []

    struct PendingEvent {
        var time: Int64
        var created: Int64
        var values: [FeatureValue]
    }

    init(store: OnlineStore, layout: AggregateLayout, entity: [UInt8]) {
        self.store = store
        self.layout = layout
        self.entity = entity
    }

    /// The states of `tile`: known, stored, or recomputed when the stored bytes are not a tile.
    mutating func states(of tile: TileLevels.Tile) throws -> [AggregateState] {
        if let states = known[tile] { return states }
        let bytes = try store.storage {
            try store.database.get(layout.tileKey(entity: entity, tile: tile), in: store.aggregateTiles)
        }
        guard let bytes else {
            let empty = layout.emptyStates()
            known[tile] = empty
            return empty
        }
        if let states = bytes.withUnsafeBytes({ AggregateTileCodec.decode($0, layout: layout) }) {
            known[tile] = states
            return states
        }
        return try recompute(tile)
    }

    /// Recomputes `tile` from its parts: its raw events (1-minute tiles) or its finer tiles.
    @discardableResult
    mutating func recompute(_ tile: TileLevels.Tile) throws -> [AggregateState] {
        var states = layout.emptyStates()
        if tile.level == 0 {
            let range = tile.range
            try scanEvents(from: range.start.microseconds, to: range.end.microseconds) { time, created, values in
                layout.add(values, time: time, created: created, to: &states)
            }
        } else {
            for child in tile.children {
                let parts = try self.states(of: child)
                for index in states.indices { states[index].merge(parts[index]) }
            }
        }
        known[tile] = states
        recomputed.insert(tile)
        return states
    }

    /// Calls `body` with each raw event of the entity in `[start, end)` as the pending batch leaves
    /// them (not in time order when the batch adds some).
    func scanEvents(from start: Int64, to end: Int64, _ body: (Int64, Int64, [FeatureValue]) throws -> Void) throws {
        try store.storage {
            try store.database.scan(
                from: layout.eventBound(entity: entity, time: start), to: layout.eventBound(entity: entity, time: end),
                in: store.aggregateEvents
            ) { key, value in
                let stored = ByteKey(Array(key))
                if removedEvents.contains(stored) || addedEvents[stored] != nil { return true }
                guard let event = layout.decodeEvent(value) else {
                    throw FeatureStoreError.storage("an aggregate event of view '\(layout.keyspace.view)' is corrupt")
                }
                try body(event.time, event.created, event.values)
                return true
            }
        }
        for event in addedEvents.values where start <= event.time && event.time < end {
            try body(event.time, event.created, event.values)
        }
    }
}

extension AggregateLayout {
    /// One empty partial per state.
    func emptyStates() -> [AggregateState] { states.map { AggregateState(function: $0.function) } }

    /// Adds one event's column values to a tile's states.
    @inline(__always)
    func add(_ values: [FeatureValue], time: Int64, created: Int64, to states: inout [AggregateState]) {
        for index in states.indices {
            states[index].add(values[columnOfState[index]], time: time, created: created)
        }
    }

    /// A stored raw event: its times and the values of ``columns`` (null for a column it lacks).
    func decodeEvent(_ bytes: UnsafeRawBufferPointer) -> (time: Int64, created: Int64, values: [FeatureValue])? {
        guard let (time, created) = OnlineRecord.times(of: bytes),
            let (_, values) = OnlineRecord.decode(bytes, selecting: columnBytes)
        else { return nil }
        return (time.microseconds, created.microseconds, values.map { $0 ?? .null })
    }
}
