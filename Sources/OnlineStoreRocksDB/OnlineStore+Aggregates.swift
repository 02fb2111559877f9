import FeatureStoreCore
import Foundation
import RocksDB
import Synchronization

extension OnlineStore {
    /// Adds events to an aggregate view's online state, in one atomic write: each new event is
    /// stored raw (with its identity) and merged into the tile of every level that contains it.
    ///
    /// Events are identified by (entity, ``AggregateEvent/id``), and versions of one event are
    /// ordered by ``VersionRank`` (created time, then ``AggregateEvent/version``), as in the offline
    /// history: a version the state (or the batch) already holds, or one older than the stored one,
    /// changes nothing, whatever its values, so re-adding a range is a no-op; a later version replaces
    /// the stored one, and the tiles that held the old one are recomputed from their parts (unless
    /// the new version has the same times and values: then only its version is recorded). Events
    /// older than `now - retention` are too late (counted, not stored; a late later version still
    /// removes the stored one). State older than that is deleted for the entities written.
    ///
    /// - Throws: `invalidInput` (nothing written) when an event holds NaN or an infinity.
    @discardableResult
    public func addEvents(_ events: [AggregateEvent], layout: AggregateLayout, now: Timestamp) throws
        -> AggregateWriteSummary
    {
        try layout.checkUsable()
        var summary = AggregateWriteSummary()
        let cutoff = layout.cutoff(at: now).microseconds
        // Every event checked and encoded first; per (entity, id), the batch's latest version.
        var entities: [[UInt8]] = []
        var entityIndex: [ByteKey: Int] = [:]
        var versions: [EventVersion] = []
        var versionOf: [ByteKey: Int] = [:]
        for event in events {
            try layout.check(event)
            let entity = try EntityKeyEncoding.encode(event.key)
            let index: Int
            if let known = entityIndex[ByteKey(entity)] {
                index = known
            } else {
                index = entities.count
                entityIndex[ByteKey(entity)] = index
                entities.append(entity)
            }
            let version = EventVersion(entity: index, event: event, layout: layout)
            let identity = ByteKey(layout.identityKey(entity: entity, id: event.id))
            if let earlier = versionOf[identity] {
                summary.duplicates += 1
                if version.rank > versions[earlier].rank { versions[earlier] = version }
            } else {
                versionOf[identity] = versions.count
                versions.append(version)
            }
        }
        if versions.isEmpty { return summary }
        return try writeLock.withLock { _ in
            try apply(versions, entities: entities, layout: layout, cutoff: cutoff, summary: &summary)
            return summary
        }
    }

    /// One version of an event on its way in.
    struct EventVersion {
        var entity: Int
        var id: Int64
        var time: Int64
        var rank: VersionRank
        var values: [FeatureValue]
        /// The stored form (an ``OnlineRecord`` of the layout's columns).
        var record: [UInt8]

        init(entity: Int, event: AggregateEvent, layout: AggregateLayout) {
            self.entity = entity
            id = event.id
            time = event.time.microseconds
            rank = VersionRank(created: event.created.microseconds, version: event.version)
            values = event.values
            record = OnlineRecord(
                eventTime: event.time, createdTime: event.created, values: Array(zip(layout.columns, event.values))
            ).encoded()
        }
    }

    /// Writes the batch's versions under the write lock: resolves them against the stored ones,
    /// updates or recomputes the tiles they touch, expires old state, all in one write.
    private func apply(
        _ versions: [EventVersion], entities: [[UInt8]], layout: AggregateLayout, cutoff: Int64,
        summary: inout AggregateWriteSummary
    ) throws {
        let identityKeys = versions.map { layout.identityKey(entity: entities[$0.entity], id: $0.id) }
        var stored = [EventIdentityEntry?](repeating: nil, count: versions.count)
        try storage {
            try database.multiGet(identityKeys, in: aggregateEvents) { index, bytes in
                guard let entry = EventIdentityEntry(bytes) else {
                    throw FeatureStoreError.storage(
                        "an aggregate event index of view '\(layout.keyspace.view)' is corrupt")
                }
                stored[index] = entry
            }
        }
        // Per entity: the tiles to update and the pending event writes.
        var sources: [Int: TileSource] = [:]
        var added: [Int: [TileLevels.Tile: [AggregateState]]] = [:]
        var dirty: [Int: Set<TileLevels.Tile>] = [:]
        var removedKeys: [[UInt8]] = []
        var removedIdentities: [[UInt8]] = []
        var eventPuts: [(key: [UInt8], record: [UInt8])] = []
        var identityPuts: [(key: [UInt8], entry: EventIdentityEntry)] = []
        // Entities where a later arrival of the same content recorded its version, touching no tile.
        var reversioned: Set<Int> = []
        for (index, version) in versions.enumerated() {
            let entity = entities[version.entity]
            let old = stored[index]
            if let old, version.rank <= old.rank {
                summary.duplicates += 1
                continue
            }
            if old == nil, version.time < cutoff {
                summary.late += 1
                continue
            }
            let entry = EventIdentityEntry(time: version.time, rank: version.rank)
            if let old, old.time == version.time, version.time >= cutoff, old.rank.created == version.rank.created {
                // A later arrival of the same content: only the version changes. The stored record
                // holds the times and values (bytes, so -0.0 and 0.0 differ as min/max tell them
                // apart; created times must match too, since `last` breaks ties on them).
                let key = layout.eventKey(entity: entity, time: old.time, id: version.id)
                if try storage({ try database.get(key, in: aggregateEvents) }) == version.record {
                    summary.applied += 1
                    summary.replaced += 1
                    identityPuts.append((identityKeys[index], entry))
                    reversioned.insert(version.entity)
                    continue
                }
            }
            var source = sources[version.entity] ?? TileSource(store: self, layout: layout, entity: entity)
            if let old {
                // The stored version leaves: its tiles are recomputed (those a read can still use).
                summary.replaced += 1
                let key = layout.eventKey(entity: entity, time: old.time, id: version.id)
                removedKeys.append(key)
                source.removedEvents.insert(ByteKey(key))
                for tile in TileLevels.tiles(containing: Timestamp(microseconds: old.time))
                where tile.range.end.microseconds > cutoff {
                    dirty[version.entity, default: []].insert(tile)
                }
            }
            if version.time < cutoff {
                summary.late += 1
                if old != nil { removedIdentities.append(identityKeys[index]) }
                sources[version.entity] = source
                continue
            }
            summary.applied += 1
            let key = layout.eventKey(entity: entity, time: version.time, id: version.id)
            source.addedEvents[ByteKey(key)] = TileSource.PendingEvent(
                time: version.time, created: version.rank.created, values: version.values)
            eventPuts.append((key, version.record))
            identityPuts.append((identityKeys[index], entry))
            sources[version.entity] = source
            for tile in TileLevels.tiles(containing: Timestamp(microseconds: version.time)) {
                var states = added[version.entity, default: [:]][tile] ?? layout.emptyStates()
                layout.add(version.values, time: version.time, created: version.rank.created, to: &states)
                added[version.entity, default: [:]][tile] = states
            }
        }
        if sources.isEmpty, reversioned.isEmpty { return }

        // Tiles only added to: the stored states plus the new events'. A stored tile that cannot
        // be decoded is recomputed instead.
        var slots: [(entity: Int, tile: TileLevels.Tile)] = []
        for (entity, tiles) in added {
            for tile in tiles.keys where dirty[entity]?.contains(tile) != true { slots.append((entity, tile)) }
        }
        var merged = slots.map { added[$0.entity]![$0.tile]! }
        try storage {
            try database.multiGet(
                slots.map { layout.tileKey(entity: entities[$0.entity], tile: $0.tile) }, in: aggregateTiles
            ) { index, bytes in
                if var states = AggregateTileCodec.decode(bytes, layout: layout) {
                    for position in states.indices { states[position].merge(merged[index][position]) }
                    merged[index] = states
                } else {
                    dirty[slots[index].entity, default: []].insert(slots[index].tile)
                }
            }
        }
        var written: [Int: [TileLevels.Tile: [AggregateState]]] = [:]
        for (index, slot) in slots.enumerated() where dirty[slot.entity]?.contains(slot.tile) != true {
            sources[slot.entity]!.known[slot.tile] = merged[index]
            written[slot.entity, default: [:]][slot.tile] = merged[index]
        }
        // Tiles that lost an event (or could not be decoded): recomputed, finest first, so each
        // finds its finer tiles already final.
        for (entity, tiles) in dirty {
            for tile in tiles.sorted(by: { ($0.level, $0.index) < ($1.level, $1.index) }) {
                written[entity, default: [:]][tile] = try sources[entity]!.recompute(tile)
            }
        }

        let batch = WriteBatch()
        for entity in reversioned.union(sources.keys) {
            try expire(entity: entities[entity], layout: layout, cutoff: cutoff, in: batch)
        }
        for key in removedKeys { batch.delete(key, in: aggregateEvents) }
        for key in removedIdentities { batch.delete(key, in: aggregateEvents) }
        for put in eventPuts { batch.put(put.key, put.record, in: aggregateEvents) }
        for put in identityPuts { batch.put(put.key, put.entry.encoded(), in: aggregateEvents) }
        for (entity, tiles) in written {
            for (tile, states) in tiles {
                let key = layout.tileKey(entity: entities[entity], tile: tile)
                if states.allSatisfy({ $0.count == 0 }) {
                    batch.delete(key, in: aggregateTiles)
                } else {
                    batch.put(key, AggregateTileCodec.encode(states, layout: layout), in: aggregateTiles)
                }
            }
        }
        batch.put(layout.keyspace.metaKey, [], in: meta)
        try storage { try database.write(batch) }
    }

    /// Deletes what no window can reach any more for one entity: events before the cutoff with
    /// their identity entries, and tiles that end before the tile containing it. Issues deletes
    /// only when there is something to delete.
    private func expire(entity: [UInt8], layout: AggregateLayout, cutoff: Int64, in batch: WriteBatch) throws {
        let from = layout.eventBound(entity: entity, time: .min)
        let to = layout.eventBound(entity: entity, time: cutoff)
        var expired = 0
        try storage {
            try database.scan(from: from, to: to, in: aggregateEvents) { key, _ in
                guard let id = AggregateLayout.id(ofEventKey: key) else { return true }
                batch.delete(layout.identityKey(entity: entity, id: id), in: aggregateEvents)
                expired += 1
                return true
            }
        }
        if expired > 0 { batch.deleteRange(from: from, to: to, in: aggregateEvents) }
        for level in TileLevels.lengths.indices {
            let first = layout.tileKey(entity: entity, tile: TileLevels.Tile(level: level, index: .min))
            let last = layout.tileKey(
                entity: entity, tile: TileLevels.Tile(level: level, containing: Timestamp(microseconds: cutoff)))
            var any = false
            try storage {
                try database.scan(from: first, to: last, in: aggregateTiles) { _, _ in
                    any = true
                    return false
                }
            }
            if any { batch.deleteRange(from: first, to: last, in: aggregateTiles) }
        }
    }

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
    public func readAggregates(
        _ entities: [[FeatureValue]], layout: AggregateLayout, features: [String], now: Timestamp,
        summary: inout AggregateReadSummary
    ) throws -> [[OnlineValue]] {
        try layout.checkUsable()
        let selected: [Int] = try features.map { name in
            guard let position = layout.aggregations.firstIndex(where: { $0.name == name }) else {
                throw FeatureStoreError.notFound("view '\(layout.keyspace.view)' has no aggregation '\(name)'")
            }
            return position
        }
        var windows: [TimeSpan: TileLevels.Decomposition] = [:]
        for position in selected where windows[layout.aggregations[position].window] == nil {
            let window = layout.aggregations[position].window
            windows[window] = TileLevels.decompose(WindowRange.ending(at: now, length: window))
        }
        let encoded = try entities.map { try EntityKeyEncoding.encode($0) }
        // Every tile of every window, once per entity, fetched with one MultiGet.
        var tileSlots: [TileLevels.Tile: Int] = [:]
        for decomposition in windows.values {
            for tile in decomposition.tiles where tileSlots[tile] == nil { tileSlots[tile] = tileSlots.count }
        }
        let tilesPerEntity = tileSlots.count
        let orderedTiles = tileSlots.sorted { $0.value < $1.value }.map(\.key)
        var tileKeys: [[UInt8]] = []
        tileKeys.reserveCapacity(encoded.count * tilesPerEntity)
        for entity in encoded {
            for tile in orderedTiles { tileKeys.append(layout.tileKey(entity: entity, tile: tile)) }
        }
        var tileStates = [[AggregateState]?](repeating: nil, count: tileKeys.count)
        var undecodable: [Int] = []
        try storage {
            try database.multiGet(tileKeys, in: aggregateTiles) { index, bytes in
                if let states = AggregateTileCodec.decode(bytes, layout: layout) {
                    tileStates[index] = states
                } else {
                    undecodable.append(index)
                }
            }
        }
        // A tile that cannot be decoded never fails the read: it is recomputed from its parts.
        var sources: [Int: TileSource] = [:]
        for index in undecodable {
            let entity = index / tilesPerEntity
            var source = sources[entity] ?? TileSource(store: self, layout: layout, entity: encoded[entity])
            tileStates[index] = try source.recompute(orderedTiles[index % tilesPerEntity])
            sources[entity] = source
        }
        summary.recomputedTiles += sources.values.reduce(0) { $0 + $1.recomputed.count }
        var result: [[OnlineValue]] = []
        result.reserveCapacity(entities.count)
        for (entityIndex, entity) in encoded.enumerated() {
            // Raw events of the edge fragments, scanned once per distinct fragment.
            var fragments: [WindowRange: [(time: Int64, created: Int64, values: [FeatureValue])]] = [:]
            for decomposition in windows.values {
                for edge in decomposition.edges where fragments[edge] == nil {
                    var events: [(Int64, Int64, [FeatureValue])] = []
                    try storage {
                        try database.scan(
                            from: layout.eventBound(entity: entity, time: edge.start.microseconds),
                            to: layout.eventBound(entity: entity, time: edge.end.microseconds), in: aggregateEvents
                        ) { _, value in
                            guard let event = layout.decodeEvent(value) else {
                                throw FeatureStoreError.storage(
                                    "an aggregate event of view '\(layout.keyspace.view)' is corrupt")
                            }
                            events.append(event)
                            return true
                        }
                    }
                    fragments[edge] = events
                }
            }
            var row: [OnlineValue] = []
            row.reserveCapacity(selected.count)
            for position in selected {
                let aggregation = layout.aggregations[position]
                let stateIndex = layout.stateOfAggregation[position]
                let column = layout.columnOfState[stateIndex]
                let decomposition = windows[aggregation.window]!
                var state = AggregateState(function: aggregation.function)
                for tile in decomposition.tiles {
                    if let states = tileStates[entityIndex * tilesPerEntity + tileSlots[tile]!] {
                        state.merge(states[stateIndex])
                    }
                }
                for edge in decomposition.edges {
                    for event in fragments[edge]! {
                        state.add(event.values[column], time: event.time, created: event.created)
                    }
                }
                let value: FeatureValue
                switch state.outcome(inputType: aggregation.inputType) {
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

/// A big-endian sign-flipped int64 (``appendSortable(_:to:)``) at `offset`.
func readSortable(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int64 {
    var raw: UInt64 = 0
    for byte in bytes[offset..<(offset + 8)] { raw = raw << 8 | UInt64(byte) }
    return Int64(bitPattern: raw ^ (1 << 63))
}
