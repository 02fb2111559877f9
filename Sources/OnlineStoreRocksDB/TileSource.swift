import FeatureStoreCore
import RocksDB

/// The tiles of one entity of an aggregate view as a read or a write sees them: values computed
/// by the write so far, else the stored tile, else (a tile that cannot be decoded, or one the
/// write must rebuild) the tile recomputed from its parts.
///
/// A tile is the merge of its finer tiles; a 1-hour tile of its 5-minute tiles when its hour keeps
/// them (``TileValue/fine``), else of its raw events; a 1-minute tile of its raw events. So a
/// recomputation reads at most one hour of raw events and the tiles below, never a whole 28 days
/// of events. Raw events and tiles are complete for every tile a future read can use: expiry only
/// removes the events of hours before the cutoff's and the tiles that end in them, and a read's
/// window never starts before the cutoff (a tile that starts before it is never read again, so
/// recomputing it from what is left is harmless).
struct TileSource {
    let store: OnlineStore
    let layout: AggregateLayout
    let entity: [UInt8]
    /// Event writes of the pending batch, which recomputations must see: event keys removed, and
    /// the events put (by key).
    var removedEvents: Set<ByteKey> = []
    var addedEvents: [ByteKey: PendingEvent] = [:]
    /// Tiles known for the pending write or this read (computed, read or recomputed).
    var known: [TileLevels.Tile: TileValue] = [:]
    /// Hours whose finer tiles the pending write keeps (decided by the write); other hours are
    /// told by their stored 1-hour tile.
    var fineHours: [Int64: Bool] = [:]
    /// Tiles recomputed because they could not be decoded or were rebuilt.
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

    /// The value of `tile`: known, stored, or recomputed when the stored bytes are not a tile.
    mutating func value(of tile: TileLevels.Tile) throws -> TileValue {
        if let value = known[tile] { return value }
        let bytes = try store.storage {
            try store.database.get(layout.tileKey(entity: entity, tile: tile), in: store.aggregates)
        }
        guard let bytes else {
            let empty = TileValue(layout: layout)
            known[tile] = empty
            return empty
        }
        if let value = bytes.withUnsafeBytes({ AggregateTileCodec.decode($0, layout: layout) }) {
            known[tile] = value
            return value
        }
        return try recompute(tile)
    }

    /// Whether the hour keeps its finer tiles: as the write decided, else as its stored tile says
    /// (a tile that cannot be decoded says no: it is rebuilt from raw events).
    mutating func keepsFineTiles(hour: Int64) throws -> Bool {
        if let decided = fineHours[hour] { return decided }
        let tile = TileLevels.Tile(level: TileLevels.hour, index: hour)
        if let value = known[tile] { return value.fine }
        let bytes = try store.storage {
            try store.database.get(layout.tileKey(entity: entity, tile: tile), in: store.aggregates)
        }
        let fine = bytes?.withUnsafeBytes { AggregateTileCodec.decode($0, layout: layout)?.fine } ?? false
        fineHours[hour] = fine
        return fine
    }

    /// Recomputes `tile` from its parts: raw events (1-minute tiles, and 1-hour tiles of hours that
    /// keep no finer tiles) or its finer tiles.
    @discardableResult
    mutating func recompute(_ tile: TileLevels.Tile) throws -> TileValue {
        var value = TileValue(layout: layout)
        let range = tile.range
        let fromEvents = try tile.level == 0 || (tile.level == TileLevels.hour && !keepsFineTiles(hour: tile.index))
        if fromEvents {
            try scanEvents(from: range.start.microseconds, to: range.end.microseconds) { time, created, values in
                value.add(values, time: time, created: created, layout: layout)
            }
        } else {
            for child in tile.children { value.merge(try self.value(of: child)) }
        }
        if tile.level == TileLevels.hour { value.fine = try keepsFineTiles(hour: tile.index) }
        known[tile] = value
        recomputed.insert(tile)
        return value
    }

    /// Calls `body` with each raw event of the entity in `[start, end)` (within one hour) as the
    /// pending batch leaves them (not in time order when the batch adds some).
    func scanEvents(from start: Int64, to end: Int64, _ body: (Int64, Int64, [FeatureValue]) throws -> Void) throws {
        let hour = AggregateLayout.hour(of: start)
        var values: [FeatureValue] = []
        try store.storage {
            try store.database.scan(
                from: layout.eventBound(entity: entity, hour: hour, time: start),
                to: layout.eventBound(entity: entity, hour: hour, time: end), in: store.aggregates
            ) { key, value in
                let stored = ByteKey(Array(key))
                if removedEvents.contains(stored) || addedEvents[stored] != nil { return true }
                guard let (time, _) = AggregateLayout.timeAndID(ofEventKey: key),
                    let header = AggregateEventRecord.header(value),
                    AggregateEventRecord.values(value, layout: layout, into: &values)
                else {
                    throw FeatureStoreError.storage("an aggregate event of view '\(layout.keyspace.view)' is corrupt")
                }
                try body(time, header.created, values)
                return true
            }
        }
        for event in addedEvents.values where start <= event.time && event.time < end {
            try body(event.time, event.created, event.values)
        }
    }
}
