import FeatureStoreCore
import RocksDB

extension TileValue {
    /// Adds the raw events of `leaf` within `range`.
    mutating func add(_ leaf: [LeafEvent], in range: WindowRange, layout: AggregateLayout) {
        let start = range.start.microseconds
        let end = range.end.microseconds
        for event in leaf where start <= event.time && event.time < end {
            add(event.values, time: event.time, created: event.rank.created, layout: layout)
        }
    }
}

extension OnlineStore {
    /// Reads aggregate features of many entities at `now`: each aggregation over `[now - window, now)`
    /// from the tiles inside the window and the raw events of its two edges.
    ///
    /// - Parameter features: aggregation names, in output order.
    public func readAggregates(
        _ entities: [[FeatureValue]], layout: AggregateLayout, features: [String], now: Timestamp
    ) throws -> [[OnlineValue]] {
        var summary = AggregateReadSummary()
        return try readAggregates(entities, layout: layout, features: features, now: now, summary: &summary)
    }

    /// ``readAggregates(_:layout:features:now:)``, counting in `summary` what metrics report: values
    /// out of range (served null, `NULL_VALUE`) and tiles recomputed because they could not be decoded.
    ///
    /// A window splits into tiles of 1 hour and longer (``TileLevels/decompose(_:finest:)``, read
    /// with one MultiGet together with the 1-hour tiles of the edges) and edge pieces of less than
    /// an hour: the raw events of an edge in a sparse hour are in that hour's tile (at most the
    /// layout's `fineTileThreshold`); an edge in an hour that keeps minute tiles reads them and the
    /// minute tiles holding its sub-minute ends (a second MultiGet). No iterator is created.
    public func readAggregates(
        _ entities: [[FeatureValue]], layout: AggregateLayout, features: [String], now: Timestamp,
        summary: inout AggregateReadSummary
    ) throws -> [[OnlineValue]] {
        try layout.checkUsable()
        let selected = try layout.aggregationPositions(named: features)
        let plan = AggregateReadPlan(layout: layout, aggregations: selected, now: now)
        let encoded = try entities.map { try EntityKeyEncoding.encode($0) }
        let tilesPerEntity = plan.tiles.count
        var tileKeys: [[UInt8]] = []
        tileKeys.reserveCapacity(encoded.count * tilesPerEntity)
        for entity in encoded {
            for tile in plan.tiles { tileKeys.append(layout.tileKey(entity: entity, tile: tile)) }
        }
        // Window tiles by their states; the 1-hour tiles of the edges with their raw events.
        let edgeHours = Set(plan.edges.map(\.hourSlot))
        var tiles = [TileValue?](repeating: nil, count: tileKeys.count)
        var broken: [(index: Int, bytes: [UInt8])] = []
        try storage {
            try database.multiGet(tileKeys, in: aggregates) { index, bytes in
                let events = edgeHours.contains(index % tilesPerEntity)
                guard let decoded = AggregateTileCodec.decode(bytes, layout: layout, events: events) else {
                    throw FeatureStoreError.storage(
                        "a tile of the online state of view '\(layout.keyspace.view)' is corrupt; run `fs teardown` of the online store and `fs materialize` again"
                    )
                }
                if let value = decoded.value {
                    tiles[index] = value
                } else {
                    broken.append((index, Array(bytes)))
                }
            }
        }
        // A tile whose states cannot be decoded never fails the read: it is recomputed from its
        // raw events or finer tiles.
        var sources: [Int: TileSource] = [:]
        func source(_ entity: Int) -> TileSource {
            sources[entity] ?? TileSource(store: self, layout: layout, entity: encoded[entity])
        }
        for (index, bytes) in broken {
            let entity = index / tilesPerEntity
            var recompute = source(entity)
            tiles[index] = try bytes.withUnsafeBytes {
                try recompute.load(plan.tiles[index % tilesPerEntity], from: $0)
            }
            sources[entity] = recompute
        }

        // Edge pieces: the raw events of a sparse hour are in its tile; a dense hour's edge reads
        // its minute and 5-minute tiles and the minute tiles holding the sub-minute ends.
        var edgeValues = [TileValue?](repeating: nil, count: encoded.count * plan.edges.count)
        var fineKeys: [[UInt8]] = []
        var fineOwners: [(entity: Int, edge: Int, tile: TileLevels.Tile, range: WindowRange?)] = []
        for entity in encoded.indices {
            for (edge, piece) in plan.edges.enumerated() {
                guard let hour = tiles[entity * tilesPerEntity + piece.hourSlot], hour.events > 0 else { continue }
                var value = TileValue(layout: layout)
                if let leaf = hour.leaf {
                    value.add(leaf, in: piece.range, layout: layout)
                } else {
                    for tile in piece.fine.tiles {
                        fineKeys.append(layout.tileKey(entity: encoded[entity], tile: tile))
                        fineOwners.append((entity, edge, tile, nil))
                    }
                    for range in piece.fine.edges {
                        let minute = TileLevels.Tile(level: 0, containing: range.start)
                        fineKeys.append(layout.tileKey(entity: encoded[entity], tile: minute))
                        fineOwners.append((entity, edge, minute, range))
                    }
                }
                edgeValues[entity * plan.edges.count + edge] = value
            }
        }
        if !fineKeys.isEmpty {
            var fineTiles = [TileValue?](repeating: nil, count: fineKeys.count)
            var brokenFine: [(index: Int, bytes: [UInt8])] = []
            try storage {
                try database.multiGet(fineKeys, in: aggregates) { index, bytes in
                    let events = fineOwners[index].range != nil
                    guard let decoded = AggregateTileCodec.decode(bytes, layout: layout, events: events) else {
                        throw FeatureStoreError.storage(
                            "a tile of the online state of view '\(layout.keyspace.view)' is corrupt; run `fs teardown` of the online store and `fs materialize` again"
                        )
                    }
                    if let value = decoded.value {
                        fineTiles[index] = value
                    } else {
                        brokenFine.append((index, Array(bytes)))
                    }
                }
            }
            for (index, bytes) in brokenFine {
                let owner = fineOwners[index]
                var recompute = source(owner.entity)
                fineTiles[index] = try bytes.withUnsafeBytes { try recompute.load(owner.tile, from: $0) }
                sources[owner.entity] = recompute
            }
            for (index, owner) in fineOwners.enumerated() {
                guard let value = fineTiles[index] else { continue }
                let slot = owner.entity * plan.edges.count + owner.edge
                if let range = owner.range {
                    edgeValues[slot]!.add(value.leaf ?? [], in: range, layout: layout)
                } else {
                    edgeValues[slot]!.merge(value)
                }
            }
        }
        summary.recomputedTiles += sources.values.reduce(0) { $0 + $1.recomputed.count }

        var result: [[OnlineValue]] = []
        result.reserveCapacity(entities.count)
        for entity in encoded.indices {
            var row: [OnlineValue] = []
            row.reserveCapacity(selected.count)
            for (position, window) in zip(selected, plan.windowOfAggregation) {
                let aggregation = layout.aggregations[position]
                let stateIndex = layout.stateOfAggregation[position]
                var state = AggregateState(function: layout.states[stateIndex].function)
                for slot in plan.windows[window].tiles {
                    if let tile = tiles[entity * tilesPerEntity + slot] { state.merge(tile.states[stateIndex]) }
                }
                for edge in plan.windows[window].edges {
                    if let value = edgeValues[entity * plan.edges.count + edge] {
                        state.merge(value.states[stateIndex])
                    }
                }
                let value: FeatureValue
                switch state.outcome(as: aggregation.function, inputType: aggregation.inputType) {
                case .value(let found):
                    value = found
                case .outOfRange:
                    summary.outOfRange += 1
                    value = .null
                }
                row.append(OnlineValue(value: value, status: value.isNull ? .nullValue : .present, eventTime: now))
            }
            result.append(row)
        }
        return result
    }
}

/// What a read of some aggregations at one time fetches, the same for every entity: the tiles of
/// each distinct window (1 hour and longer), and its edge pieces (each within one hour, shared by
/// windows that share them: every window ends at `now`).
struct AggregateReadPlan {
    /// Every tile fetched per entity: the windows' tiles and the 1-hour tiles of the edge pieces.
    var tiles: [TileLevels.Tile] = []
    var edges: [Edge] = []
    var windows: [Window] = []
    /// For each selected aggregation, its window in ``windows``.
    var windowOfAggregation: [Int] = []

    struct Edge {
        var range: WindowRange
        /// The slot in ``tiles`` of the 1-hour tile containing the piece.
        var hourSlot: Int
        /// The piece split into minute tiles and sub-minute raw pieces, for hours that keep them.
        var fine: TileLevels.Decomposition
    }

    struct Window {
        /// Slots in ``AggregateReadPlan/tiles``.
        var tiles: [Int]
        /// Indexes in ``AggregateReadPlan/edges``.
        var edges: [Int]
    }

    init(layout: AggregateLayout, aggregations: [Int], now: Timestamp) {
        var tileSlots: [TileLevels.Tile: Int] = [:]
        var edgeSlots: [WindowRange: Int] = [:]
        var windowSlots: [TimeSpan: Int] = [:]
        func slot(_ tile: TileLevels.Tile) -> Int {
            if let known = tileSlots[tile] { return known }
            tileSlots[tile] = tiles.count
            tiles.append(tile)
            return tiles.count - 1
        }
        for position in aggregations {
            let length = layout.aggregations[position].window
            if let known = windowSlots[length] {
                windowOfAggregation.append(known)
                continue
            }
            let parts = TileLevels.decompose(WindowRange.ending(at: now, length: length), finest: TileLevels.hour)
            var window = Window(tiles: parts.tiles.map(slot), edges: [])
            for range in parts.edges {
                if let known = edgeSlots[range] {
                    window.edges.append(known)
                    continue
                }
                let hour = TileLevels.Tile(level: TileLevels.hour, containing: range.start)
                edgeSlots[range] = edges.count
                window.edges.append(edges.count)
                edges.append(Edge(range: range, hourSlot: slot(hour), fine: TileLevels.decompose(range, finest: 0)))
            }
            windowSlots[length] = windows.count
            windowOfAggregation.append(windows.count)
            windows.append(window)
        }
    }
}
