import FeatureStoreCore
import Foundation
import RocksDB
import Synchronization

extension OnlineStore {
    /// Adds events to aggregate views' online state: each event is stored raw and merged into the
    /// tile of every level that contains it, all in one atomic write.
    ///
    /// Events the state already holds are skipped, so re-adding a range changes nothing. Events
    /// older than `now - retention` are too late (counted, not stored). State older than that is
    /// deleted for the entities written.
    @discardableResult
    public func addEvents(_ events: [AggregateEvent], layout: AggregateLayout, now: Timestamp) throws
        -> AggregateWriteSummary
    {
        var summary = AggregateWriteSummary()
        let cutoff = layout.cutoff(at: now).microseconds
        var keys: [[UInt8]] = []
        var fresh: [(event: AggregateEvent, entity: Int)] = []
        var seen: Set<ByteKey> = []
        var entityIndex: [ByteKey: Int] = [:]
        var entities: [[UInt8]] = []
        for event in events {
            if event.time.microseconds < cutoff {
                summary.late += 1
                continue
            }
            let entity = try EntityKeyEncoding.encode(event.key)
            let key = layout.eventKey(
                entity: entity, time: event.time.microseconds, created: event.created.microseconds)
            guard seen.insert(ByteKey(key)).inserted else {
                summary.duplicates += 1
                continue
            }
            let index: Int
            if let known = entityIndex[ByteKey(entity)] {
                index = known
            } else {
                index = entities.count
                entityIndex[ByteKey(entity)] = index
                entities.append(entity)
            }
            keys.append(key)
            fresh.append((event, index))
        }
        if keys.isEmpty { return summary }
        return try writeLock.withLock { _ in
            var stored = [Bool](repeating: false, count: keys.count)
            try storage { try database.multiGet(keys, in: aggregateEvents) { index, _ in stored[index] = true } }
            let batch = WriteBatch()
            struct Slot: Hashable {
                var entity: Int
                var tile: TileLevels.Tile
            }
            var tiles: [Slot: [AggregateState]] = [:]
            var touched: Set<Int> = []
            let columnOf = layout.aggregations.map { aggregation in layout.columns.firstIndex(of: aggregation.column)! }
            for (index, (event, entity)) in fresh.enumerated() {
                if stored[index] {
                    summary.duplicates += 1
                    continue
                }
                summary.applied += 1
                touched.insert(entity)
                let record = OnlineRecord(
                    eventTime: event.time, createdTime: event.created, values: Array(zip(layout.columns, event.values)))
                batch.put(keys[index], record.encoded(), in: aggregateEvents)
                for tile in TileLevels.tiles(containing: event.time) {
                    let slot = Slot(entity: entity, tile: tile)
                    var states =
                        tiles.removeValue(forKey: slot)
                        ?? layout.aggregations.map { AggregateState(function: $0.function) }
                    for position in states.indices {
                        states[position].add(
                            event.values[columnOf[position]], time: event.time.microseconds,
                            created: event.created.microseconds)
                    }
                    tiles[slot] = states
                }
            }
            if summary.applied == 0 { return summary }
            let slots = Array(tiles.keys)
            let tileKeys = slots.map { layout.tileKey(entity: entities[$0.entity], tile: $0.tile) }
            try storage {
                try database.multiGet(tileKeys, in: aggregateTiles) { index, bytes in
                    guard var existing = Self.decodeTile(bytes, layout: layout) else {
                        throw FeatureStoreError.storage(
                            "an aggregate tile of view '\(layout.keyspace.view)' is corrupt")
                    }
                    let added = tiles[slots[index]]!
                    for position in existing.indices { existing[position].merge(added[position]) }
                    tiles[slots[index]] = existing
                }
            }
            for (index, slot) in slots.enumerated() {
                batch.put(tileKeys[index], Self.encodeTile(tiles[slot]!, layout: layout), in: aggregateTiles)
            }
            // Expire what no window can reach any more, for the entities touched.
            for entity in touched.map({ entities[$0] }) {
                batch.deleteRange(
                    from: layout.eventBound(entity: entity, time: .min),
                    to: layout.eventBound(entity: entity, time: cutoff), in: aggregateEvents)
                for level in TileLevels.lengths.indices {
                    let first = TileLevels.Tile(level: level, index: .min)
                    let last = TileLevels.Tile(level: level, containing: Timestamp(microseconds: cutoff))
                    batch.deleteRange(
                        from: layout.tileKey(entity: entity, tile: first),
                        to: layout.tileKey(entity: entity, tile: last), in: aggregateTiles)
                }
            }
            batch.put(layout.keyspace.metaKey, [], in: meta)
            try storage { try database.write(batch) }
            return summary
        }
    }

    /// Reads aggregate features of many entities at `now`: each aggregation over `[now - window, now)`
    /// from the tiles inside the window and the raw events of its two edges.
    ///
    /// - Parameter features: aggregation names, in output order.
    public func readAggregates(
        _ entities: [[FeatureValue]], layout: AggregateLayout, features: [String], now: Timestamp
    ) throws -> [[OnlineValue]] {
        let selected: [Aggregation] = try features.map { name in
            guard let aggregation = layout.aggregations.first(where: { $0.name == name }) else {
                throw FeatureStoreError.notFound("view '\(layout.keyspace.view)' has no aggregation '\(name)'")
            }
            return aggregation
        }
        var windows: [TimeSpan: TileLevels.Decomposition] = [:]
        for aggregation in selected where windows[aggregation.window] == nil {
            windows[aggregation.window] = TileLevels.decompose(WindowRange.ending(at: now, length: aggregation.window))
        }
        let encoded = try entities.map { try EntityKeyEncoding.encode($0) }
        // Every tile of every window, once per entity, fetched with one MultiGet.
        var tileSlots: [TileLevels.Tile: Int] = [:]
        for decomposition in windows.values {
            for tile in decomposition.tiles where tileSlots[tile] == nil { tileSlots[tile] = tileSlots.count }
        }
        let tilesPerEntity = tileSlots.count
        var tileKeys: [[UInt8]] = []
        tileKeys.reserveCapacity(encoded.count * tilesPerEntity)
        let orderedTiles = tileSlots.sorted { $0.value < $1.value }.map(\.key)
        for entity in encoded {
            for tile in orderedTiles { tileKeys.append(layout.tileKey(entity: entity, tile: tile)) }
        }
        var tileStates = [[AggregateState]?](repeating: nil, count: tileKeys.count)
        try storage {
            try database.multiGet(tileKeys, in: aggregateTiles) { index, bytes in
                guard let states = Self.decodeTile(bytes, layout: layout) else {
                    throw FeatureStoreError.storage("an aggregate tile of view '\(layout.keyspace.view)' is corrupt")
                }
                tileStates[index] = states
            }
        }
        let positions = selected.map { aggregation in layout.aggregations.firstIndex { $0.name == aggregation.name }! }
        let columnOf = selected.map { aggregation in layout.columns.firstIndex(of: aggregation.column)! }
        var result: [[OnlineValue]] = []
        result.reserveCapacity(entities.count)
        for (entityIndex, entity) in encoded.enumerated() {
            // Raw events of the edge fragments, scanned once per distinct fragment.
            var fragments: [WindowRange: [(time: Int64, created: Int64, values: [FeatureValue?])]] = [:]
            for decomposition in windows.values {
                for edge in decomposition.edges where fragments[edge] == nil {
                    var events: [(Int64, Int64, [FeatureValue?])] = []
                    try storage {
                        try database.scan(
                            from: layout.eventBound(entity: entity, time: edge.start.microseconds),
                            to: layout.eventBound(entity: entity, time: edge.end.microseconds), in: aggregateEvents
                        ) { _, value in
                            guard let (time, created) = OnlineRecord.times(of: value),
                                let (_, values) = OnlineRecord.decode(value, selecting: layout.columnBytes)
                            else {
                                throw FeatureStoreError.storage(
                                    "an aggregate event of view '\(layout.keyspace.view)' is corrupt")
                            }
                            events.append((time.microseconds, created.microseconds, values))
                            return true
                        }
                    }
                    fragments[edge] = events
                }
            }
            var row: [OnlineValue] = []
            row.reserveCapacity(selected.count)
            for (index, aggregation) in selected.enumerated() {
                let decomposition = windows[aggregation.window]!
                var state = AggregateState(function: aggregation.function)
                for tile in decomposition.tiles {
                    if let states = tileStates[entityIndex * tilesPerEntity + tileSlots[tile]!] {
                        state.merge(states[positions[index]])
                    }
                }
                for edge in decomposition.edges {
                    for event in fragments[edge]! {
                        state.add(event.values[columnOf[index]] ?? .null, time: event.time, created: event.created)
                    }
                }
                let value = state.result(inputType: aggregation.inputType)
                row.append(OnlineValue(value: value, status: value.isNull ? .nullValue : .present, eventTime: now))
            }
            result.append(row)
        }
        return result
    }

    static func encodeTile(_ states: [AggregateState], layout: AggregateLayout) -> [UInt8] {
        var out: [UInt8] = []
        appendVarint(UInt64(states.count), to: &out)
        for (aggregation, state) in zip(layout.aggregations, states) {
            appendVarint(UInt64(aggregation.name.utf8.count), to: &out)
            out += aggregation.name.utf8
            state.appendBinary(to: &out)
        }
        return out
    }

    /// The tile's states in the layout's aggregation order (empty states for ones it lacks).
    static func decodeTile(_ bytes: UnsafeRawBufferPointer, layout: AggregateLayout) -> [AggregateState]? {
        var states = layout.aggregations.map { AggregateState(function: $0.function) }
        var reader = ByteReader(bytes: bytes)
        guard let count = reader.varint() else { return nil }
        let names = layout.aggregationNames
        for stored in 0..<Int(count) {
            guard let name = reader.slice() else { return nil }
            // Tiles are written in the layout's order, so the name is usually at the same position.
            func matches(_ position: Int) -> Bool {
                names[position].count == name.count
                    && names[position].withUnsafeBytes { memcmp($0.baseAddress!, name.baseAddress!, name.count) == 0 }
            }
            guard let position = stored < names.count && matches(stored) ? stored : names.indices.first(where: matches),
                let state = AggregateState(function: layout.aggregations[position].function, reading: &reader)
            else { return nil }
            states[position] = state
        }
        return states
    }
}
