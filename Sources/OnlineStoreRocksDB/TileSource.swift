import FeatureStoreCore
import RocksDB

/// The tiles of one entity of an aggregate view as a read or a write sees them: values known to
/// the write so far (leaves with their raw events), else the stored tile, else (a tile whose
/// states cannot be decoded) the tile recomputed from its parts.
///
/// A leaf (a 1-minute tile, or the 1-hour tile of an hour that keeps no finer tiles) is computed
/// from the raw events it holds; a 1-hour tile that keeps finer tiles from its 5-minute tiles;
/// every other tile from its finer tiles. So a recomputation reads at most one hour's tiles below
/// the one recomputed, never a whole 28 days of events. Tiles are complete for every tile a future
/// read can use: expiry only removes the tiles that end in hours before the cutoff's, and a read's
/// window never starts before the cutoff (a tile that starts before it is never read again, so
/// recomputing it from what is left is harmless).
struct TileSource {
    let store: OnlineStore
    let layout: AggregateLayout
    let entity: [UInt8]
    /// Tiles known for the pending write or this read (computed, read or recomputed); leaves with
    /// their raw events.
    var known: [TileLevels.Tile: TileValue] = [:]
    /// Tiles recomputed because their states could not be decoded or were rebuilt.
    var recomputed: Set<TileLevels.Tile> = []

    init(store: OnlineStore, layout: AggregateLayout, entity: [UInt8]) {
        self.store = store
        self.layout = layout
        self.entity = entity
    }

    /// The value of `tile` (a leaf with its raw events): known, stored, or recomputed when its
    /// stored states cannot be decoded; an empty tile (an empty leaf for a 1-hour or 1-minute
    /// tile) when none is stored.
    mutating func value(of tile: TileLevels.Tile) throws -> TileValue {
        if let value = known[tile] { return value }
        let bytes = try store.storage {
            try store.database.get(layout.tileKey(entity: entity, tile: tile), in: store.aggregates)
        }
        guard let bytes else {
            var empty = TileValue(layout: layout)
            if tile.level == 0 || tile.level == TileLevels.hour { empty.leaf = [] }
            known[tile] = empty
            return empty
        }
        return try bytes.withUnsafeBytes { try load(tile, from: $0) }
    }

    /// Decodes `tile` from its stored bytes into ``known``, recomputing states that cannot be
    /// decoded.
    ///
    /// - Throws: `storage` when not even the tile's header or raw events can be read.
    @discardableResult
    mutating func load(_ tile: TileLevels.Tile, from bytes: UnsafeRawBufferPointer) throws -> TileValue {
        guard let decoded = AggregateTileCodec.decode(bytes, layout: layout, events: true) else {
            throw FeatureStoreError.storage(
                "a tile of the online state of view '\(layout.keyspace.view)' is corrupt; run `fs teardown` of the online store and `fs materialize` again"
            )
        }
        if let value = decoded.value {
            known[tile] = value
            return value
        }
        var value = TileValue(layout: layout)
        value.fine = decoded.fine
        if let leaf = decoded.leaf {
            value = TileValue(leaf: leaf, layout: layout)
        } else {
            for child in children(of: tile, fine: decoded.fine) { value.merge(try self.value(of: child)) }
        }
        known[tile] = value
        recomputed.insert(tile)
        return value
    }

    /// The finer tiles a tile is merged from: none for a leaf; the 5-minute tiles of a 1-hour tile
    /// whose hour keeps them.
    func children(of tile: TileLevels.Tile, fine: Bool) -> [TileLevels.Tile] {
        if tile.level == 0 || (tile.level == TileLevels.hour && !fine) { return [] }
        return tile.children
    }

    /// Recomputes a tile that is not a leaf from its finer tiles, or a leaf's states from its
    /// raw events.
    @discardableResult
    mutating func recompute(_ tile: TileLevels.Tile) throws -> TileValue {
        var current = try value(of: tile)
        if let leaf = current.leaf {
            current = TileValue(leaf: leaf, layout: layout)
        } else {
            let fine = current.fine
            current = TileValue(layout: layout)
            current.fine = fine
            for child in children(of: tile, fine: fine) { current.merge(try value(of: child)) }
        }
        known[tile] = current
        recomputed.insert(tile)
        return current
    }
}
