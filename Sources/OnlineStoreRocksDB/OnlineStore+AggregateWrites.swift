import FeatureStoreCore
import Foundation
import RocksDB
import Synchronization

extension OnlineStore {
    /// Adds events to an aggregate view's online state, in one atomic write: each new event is
    /// stored raw and merged into the tiles that contain it.
    ///
    /// Events are identified by (entity, ``AggregateEvent/id``), and versions of one event are
    /// ordered by ``VersionRank`` (created time, then ``AggregateEvent/version``), as in the offline
    /// history: a version the state (or the batch) already holds, or one older than the stored one,
    /// changes nothing, whatever its values, so re-adding a range is a no-op; a later version replaces
    /// the stored one, and the tiles that held the old one are recomputed from their parts (unless
    /// the new version has the same times and values: then only its version is recorded). Events
    /// older than `now - retention` are too late (counted, not stored; a late later version still
    /// removes the stored one). The state of hours the cutoff has passed is expired
    /// (``expireAggregates(layout:now:)``), for every entity.
    ///
    /// The cost of a write does not grow with the state: it reads the stored versions of its
    /// events and the tiles they fall in (hour and coarser; minute tiles only in hours that keep
    /// them), and expiry is a few range deletes once an hour.
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
            var identity = entity
            appendSortable(event.id, to: &identity)
            if let earlier = versionOf[ByteKey(identity)] {
                summary.duplicates += 1
                if version.rank > versions[earlier].rank { versions[earlier] = version }
            } else {
                versionOf[ByteKey(identity)] = versions.count
                versions.append(version)
            }
        }
        defer { flushAfterExpiry() }
        return try writeLock.withLock { _ in
            let batch = WriteBatch()
            var state = try prepareKeyspace(layout, cutoff: cutoff, in: batch)
            if !versions.isEmpty {
                var write = AggregateWrite(
                    store: self, layout: layout, entities: entities, cutoff: effectiveCutoff(cutoff, state))
                try write.apply(versions, summary: &summary)
                write.write(into: batch)
                if write.indexed { state = noteIdentities(state, layout, in: batch) }
            }
            if batch.count > 0 { try storage { try database.write(batch) } }
            aggregateKeyspaces.withLock { $0[layout.keyspace] = state }
            return summary
        }
    }
}

/// One version of an event on its way in.
struct EventVersion {
    var entity: Int
    var id: Int64
    var time: Int64
    var rank: VersionRank
    var values: [FeatureValue]
    var sharesTime: Bool

    init(entity: Int, event: AggregateEvent, layout: AggregateLayout) {
        self.entity = entity
        id = event.id
        time = event.time.microseconds
        rank = VersionRank(created: event.created.microseconds, version: event.version)
        values = event.values
        sharesTime = event.versionsShareTime
    }

    var leafEvent: LeafEvent {
        LeafEvent(time: time, id: id, rank: rank, indexed: !sharesTime, values: values)
    }
}

/// The work of one ``OnlineStore/addEvents(_:layout:now:)`` batch under the write lock: versions
/// resolved against the stored ones in the leaves that hold them, leaves rewritten, and the tiles
/// above them brought up to date.
struct AggregateWrite {
    let store: OnlineStore
    let layout: AggregateLayout
    let entities: [[UInt8]]
    let cutoff: Int64
    /// Per entity (index into ``entities``): its tiles as the batch leaves them.
    var sources: [Int: TileSource] = [:]
    /// Per entity: leaves whose raw events changed (their states are recomputed from them).
    var leaves: [Int: Set<TileLevels.Tile>] = [:]
    /// Per entity: partial tiles of the added events for the tiles above their leaves.
    var added: [Int: [TileLevels.Tile: TileValue]] = [:]
    /// Per entity: tiles above a leaf that lost an event: recomputed from their parts.
    var dirty: [Int: Set<TileLevels.Tile>] = [:]
    /// Per entity: the tiles to write.
    var written: [Int: Set<TileLevels.Tile>] = [:]
    var identityDeletes: [[UInt8]] = []
    var identityPuts: [(key: [UInt8], entry: EventIdentityEntry)] = []
    /// Some identity entry is written.
    var indexed = false

    init(store: OnlineStore, layout: AggregateLayout, entities: [[UInt8]], cutoff: Int64) {
        self.store = store
        self.layout = layout
        self.entities = entities
        self.cutoff = cutoff
    }

    /// Resolves every version and brings the tiles up to date.
    mutating func apply(_ versions: [EventVersion], summary: inout AggregateWriteSummary) throws {
        // Identity entries of versions that may move in time.
        let identityKeys = versions.map { layout.identityKey(entity: entities[$0.entity], id: $0.id) }
        var entries = [EventIdentityEntry?](repeating: nil, count: versions.count)
        let movable = versions.indices.filter { !versions[$0].sharesTime }
        try store.storage {
            try store.database.multiGet(movable.map { identityKeys[$0] }, in: store.aggregates) { index, bytes in
                guard let entry = EventIdentityEntry(bytes) else {
                    throw FeatureStoreError.storage(
                        "an aggregate event index of view '\(layout.keyspace.view)' is corrupt")
                }
                entries[movable[index]] = entry
            }
        }
        // The leaves that may hold each version or its stored one: hour tiles, then the minute
        // tiles of hours that keep them.
        var hours: Set<SlotKey> = []
        var times: [(entity: Int, time: Int64)] = []
        for (index, version) in versions.enumerated() {
            times.append((version.entity, version.time))
            if let entry = entries[index] { times.append((version.entity, entry.time)) }
        }
        for (entity, time) in times {
            hours.insert(
                SlotKey(
                    entity: entity, tile: TileLevels.Tile(level: TileLevels.hour, containing: .init(microseconds: time))
                ))
        }
        try load(Array(hours))
        var minutes: Set<SlotKey> = []
        for (entity, time) in times where try keepsFineTiles(entity, time) {
            minutes.insert(
                SlotKey(entity: entity, tile: TileLevels.Tile(level: 0, containing: .init(microseconds: time))))
        }
        try load(Array(minutes))
        for (index, version) in versions.enumerated() {
            try resolve(version, entry: entries[index], identityKey: identityKeys[index], summary: &summary)
        }
        try updateTiles()
    }

    struct SlotKey: Hashable {
        var entity: Int
        var tile: TileLevels.Tile
    }

    /// Reads tiles into their entities' sources with one MultiGet.
    private mutating func load(_ slots: [SlotKey]) throws {
        var found: [(slot: SlotKey, bytes: [UInt8])] = []
        try store.storage {
            try store.database.multiGet(
                slots.map { layout.tileKey(entity: entities[$0.entity], tile: $0.tile) }, in: store.aggregates
            ) { index, bytes in found.append((slots[index], Array(bytes))) }
        }
        for slot in slots where sources[slot.entity] == nil {
            sources[slot.entity] = TileSource(store: store, layout: layout, entity: entities[slot.entity])
        }
        for (slot, bytes) in found {
            try bytes.withUnsafeBytes { _ = try sources[slot.entity]!.load(slot.tile, from: $0) }
        }
        for slot in slots where sources[slot.entity]!.known[slot.tile] == nil {
            _ = try sources[slot.entity]!.value(of: slot.tile)
        }
    }

    /// Whether the hour of `time` keeps minute tiles (its 1-hour tile is loaded).
    private mutating func keepsFineTiles(_ entity: Int, _ time: Int64) throws -> Bool {
        try sources[entity]!.value(of: TileLevels.Tile(level: TileLevels.hour, containing: .init(microseconds: time)))
            .fine
    }

    /// The leaf that holds (or will hold) the events of `time`.
    private mutating func leafTile(_ entity: Int, _ time: Int64) throws -> TileLevels.Tile {
        let level = try keepsFineTiles(entity, time) ? 0 : TileLevels.hour
        return TileLevels.Tile(level: level, containing: Timestamp(microseconds: time))
    }

    /// The tiles above the leaf of `time`, up to 28 days.
    private mutating func tilesAbove(_ entity: Int, _ time: Int64) throws -> [TileLevels.Tile] {
        let first = try keepsFineTiles(entity, time) ? 1 : TileLevels.hour + 1
        return (first..<TileLevels.lengths.count).map {
            TileLevels.Tile(level: $0, containing: .init(microseconds: time))
        }
    }

    /// Decides one version against the stored one and changes the leaves and pending writes.
    private mutating func resolve(
        _ version: EventVersion, entry: EventIdentityEntry?, identityKey: [UInt8], summary: inout AggregateWriteSummary
    ) throws {
        let entity = version.entity
        // The stored version: where the identity index says, else at the version's own time (the
        // only place it can be when versions share their time).
        var old: (tile: TileLevels.Tile, position: Int, event: LeafEvent)?
        for time in [entry?.time, version.time].compactMap({ $0 }) where old == nil {
            let tile = try leafTile(entity, time)
            let leaf = try sources[entity]!.value(of: tile).leaf ?? []
            if let position = leaf.firstIndex(where: { $0.time == time && $0.id == version.id }) {
                old = (tile, position, leaf[position])
            }
        }
        if let entry, var found = old, found.event.indexed, found.event.time == entry.time {
            // The identity entry holds the stored version's rank (an entry written before
            // versions existed reads as version 0).
            found.event.rank = entry.rank
            old = found
        }
        if entry != nil, old?.event.indexed != true {
            // An identity entry without its event (left by an older state): dropped.
            identityDeletes.append(identityKey)
        }
        if let old, version.rank <= old.event.rank {
            summary.duplicates += 1
            return
        }
        if old == nil, version.time < cutoff {
            summary.late += 1
            return
        }
        let new = version.leafEvent
        if let old, old.event.time == version.time, version.time >= cutoff, old.event.sameContent(as: new) {
            // A later arrival of the same content: only its version (and whether an identity entry
            // points at it) changes, in its leaf; no state changes.
            summary.applied += 1
            summary.replaced += 1
            sources[entity]!.known[old.tile]!.leaf![old.position] = new
            leaves[entity, default: []].insert(old.tile)
            recordIdentity(new, key: identityKey, replacing: old.event)
            return
        }
        if let old {
            // The stored version leaves: the tiles above its leaf are recomputed (those a read can
            // still use).
            summary.replaced += 1
            sources[entity]!.known[old.tile]!.leaf!.remove(at: old.position)
            leaves[entity, default: []].insert(old.tile)
            for tile in try tilesAbove(entity, old.event.time) where tile.range.end.microseconds > cutoff {
                dirty[entity, default: []].insert(tile)
            }
        }
        if version.time < cutoff {
            summary.late += 1
            if let old, old.event.indexed { identityDeletes.append(identityKey) }
            return
        }
        summary.applied += 1
        let tile = try leafTile(entity, version.time)
        _ = try sources[entity]!.value(of: tile)
        sources[entity]!.known[tile]!.leaf!.append(new)
        leaves[entity, default: []].insert(tile)
        recordIdentity(new, key: identityKey, replacing: old?.event)
        for above in try tilesAbove(entity, version.time) {
            added[entity, default: [:]][above, default: TileValue(layout: layout)].add(
                version.values, time: version.time, created: version.rank.created, layout: layout)
        }
    }

    /// The identity entry of a version stored: put when it may move in time, else deleted when
    /// the version it replaces had one.
    private mutating func recordIdentity(_ event: LeafEvent, key: [UInt8], replacing old: LeafEvent?) {
        if event.indexed {
            identityPuts.append((key, EventIdentityEntry(time: event.time, rank: event.rank)))
            indexed = true
        } else if old?.indexed == true {
            identityDeletes.append(key)
        }
    }

    /// Rewrites the changed leaves (hours past the threshold split into minute tiles), merges the
    /// added events into the tiles above them, and recomputes the tiles that lost an event.
    private mutating func updateTiles() throws {
        // Changed leaves: their states from their raw events; a 1-hour leaf with more events than
        // the threshold becomes minute tiles, 5-minute tiles and a 1-hour tile merged from them.
        for (entity, tiles) in leaves {
            for tile in tiles {
                let events = sources[entity]!.known[tile]!.leaf!
                if tile.level == TileLevels.hour, Int64(events.count) > layout.fineTileThreshold {
                    try split(entity, tile, events)
                } else {
                    sources[entity]!.known[tile] = TileValue(leaf: events, layout: layout)
                    written[entity, default: []].insert(tile)
                }
            }
        }
        // Tiles above the leaves: stored plus the added events, read at once.
        var slots: [SlotKey] = []
        for (entity, tiles) in added {
            for tile in tiles.keys where dirty[entity]?.contains(tile) != true {
                if sources[entity]!.known[tile] == nil { slots.append(SlotKey(entity: entity, tile: tile)) }
            }
        }
        try load(slots)
        for (entity, tiles) in added {
            for (tile, adds) in tiles where dirty[entity]?.contains(tile) != true {
                if sources[entity]!.recomputed.contains(tile) {
                    dirty[entity, default: []].insert(tile)
                    continue
                }
                sources[entity]!.known[tile]!.merge(adds)
                written[entity, default: []].insert(tile)
            }
        }
        // Tiles that lost an event: recomputed, finest first, so each finds its parts final.
        for (entity, tiles) in dirty {
            for tile in tiles.sorted(by: { ($0.level, $0.index) < ($1.level, $1.index) }) {
                try sources[entity]!.recompute(tile)
                written[entity, default: []].insert(tile)
            }
        }
    }

    /// Splits a 1-hour leaf into minute tiles holding its events, 5-minute tiles, and a 1-hour
    /// tile merged from them that keeps them.
    private mutating func split(_ entity: Int, _ hourTile: TileLevels.Tile, _ events: [LeafEvent]) throws {
        var minutes: [TileLevels.Tile: [LeafEvent]] = [:]
        for event in events {
            minutes[TileLevels.Tile(level: 0, containing: Timestamp(microseconds: event.time)), default: []].append(
                event)
        }
        var fives: [TileLevels.Tile: TileValue] = [:]
        for (minute, held) in minutes {
            let value = TileValue(leaf: held, layout: layout)
            sources[entity]!.known[minute] = value
            written[entity, default: []].insert(minute)
            fives[TileLevels.Tile(level: 1, containing: minute.range.start), default: TileValue(layout: layout)].merge(
                value)
        }
        var hour = TileValue(layout: layout)
        for (five, value) in fives {
            sources[entity]!.known[five] = value
            written[entity, default: []].insert(five)
            hour.merge(value)
        }
        hour.fine = true
        sources[entity]!.known[hourTile] = hour
        written[entity, default: []].insert(hourTile)
    }

    /// Adds the batch's writes to `batch`.
    func write(into batch: WriteBatch) {
        let family = store.aggregates
        for key in identityDeletes { batch.delete(key, in: family) }
        for put in identityPuts { batch.put(put.key, put.entry.encoded(), in: family) }
        for (entity, tiles) in written {
            for tile in tiles {
                let key = layout.tileKey(entity: entities[entity], tile: tile)
                let value = sources[entity]!.known[tile]!
                if value.events == 0 {
                    batch.delete(key, in: family)
                } else {
                    batch.put(key, AggregateTileCodec.encode(value, layout: layout), in: family)
                }
            }
        }
    }
}
