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
                try write.resolve(versions, summary: &summary)
                try write.updateTiles()
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

    /// The stored form.
    func record(layout: AggregateLayout) -> [UInt8] {
        AggregateEventRecord.encode(
            created: rank.created, version: rank.version, indexed: !sharesTime, values: values, layout: layout)
    }
}

/// The work of one ``OnlineStore/addEvents(_:layout:now:)`` batch under the write lock: versions
/// resolved against the stored ones, then the tiles they touch brought up to date.
struct AggregateWrite {
    let store: OnlineStore
    let layout: AggregateLayout
    let entities: [[UInt8]]
    let cutoff: Int64
    /// Per entity (index into ``entities``): what the batch changes.
    var sources: [Int: TileSource] = [:]
    /// Per entity: the partial tiles of the added events (every level; minute tiles are dropped
    /// for hours that keep none).
    var added: [Int: [TileLevels.Tile: TileValue]] = [:]
    /// Per entity: tiles that lost an event (or cannot be decoded): recomputed from their parts.
    var dirty: [Int: Set<TileLevels.Tile>] = [:]
    /// Per entity and hour: events added minus events removed.
    var hourChanges: [Int: [Int64: Int64]] = [:]
    /// Per entity: the tiles to write.
    var written: [Int: Set<TileLevels.Tile>] = [:]
    var eventDeletes: [[UInt8]] = []
    var eventPuts: [(key: [UInt8], record: [UInt8])] = []
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

    /// The stored version of an event.
    struct Stored {
        var time: Int64
        var rank: VersionRank
        /// An identity entry points at it.
        var indexed: Bool
        /// Its record, when read (stored at the new version's own event time).
        var record: [UInt8]?
    }

    /// Finds each version's stored one (by its own event time and id, and through the identity
    /// index for versions that may move in time) and decides what becomes of it.
    mutating func resolve(_ versions: [EventVersion], summary: inout AggregateWriteSummary) throws {
        var keys: [[UInt8]] = []
        keys.reserveCapacity(versions.count * 2)
        var ownSlot = [Int](repeating: 0, count: versions.count)
        var identitySlot = [Int?](repeating: nil, count: versions.count)
        for (index, version) in versions.enumerated() {
            ownSlot[index] = keys.count
            keys.append(layout.eventKey(entity: entities[version.entity], time: version.time, id: version.id))
            if !version.sharesTime {
                identitySlot[index] = keys.count
                keys.append(layout.identityKey(entity: entities[version.entity], id: version.id))
            }
        }
        var found = [[UInt8]?](repeating: nil, count: keys.count)
        try store.storage {
            try store.database.multiGet(keys, in: store.aggregates) { index, bytes in found[index] = Array(bytes) }
        }
        for (index, version) in versions.enumerated() {
            var stored: Stored?
            if let slot = identitySlot[index], let bytes = found[slot] {
                guard let entry = bytes.withUnsafeBytes({ EventIdentityEntry($0) }) else {
                    throw FeatureStoreError.storage(
                        "an aggregate event index of view '\(layout.keyspace.view)' is corrupt")
                }
                stored = Stored(time: entry.time, rank: entry.rank, indexed: true, record: nil)
            }
            // A version at the same event time (the only place one can be when versions share
            // their time) is read from its record, which holds its rank and content.
            if let bytes = found[ownSlot[index]], stored == nil || stored!.time == version.time {
                guard let header = bytes.withUnsafeBytes({ AggregateEventRecord.header($0) }) else {
                    throw FeatureStoreError.storage("an aggregate event of view '\(layout.keyspace.view)' is corrupt")
                }
                stored = Stored(
                    time: version.time, rank: VersionRank(created: header.created, version: header.version),
                    indexed: stored?.indexed ?? header.indexed, record: bytes)
            }
            try apply(version, stored: stored, summary: &summary)
        }
    }

    /// Decides one version against the stored one and records the writes it needs.
    private mutating func apply(_ version: EventVersion, stored old: Stored?, summary: inout AggregateWriteSummary)
        throws
    {
        let entity = entities[version.entity]
        if let old, version.rank <= old.rank {
            summary.duplicates += 1
            return
        }
        if old == nil, version.time < cutoff {
            summary.late += 1
            return
        }
        let record = version.record(layout: layout)
        let identityKey = layout.identityKey(entity: entity, id: version.id)
        let entry = EventIdentityEntry(time: version.time, rank: version.rank)
        if let old, old.time == version.time, version.time >= cutoff, old.rank.created == version.rank.created,
            let stored = old.record, stored.withUnsafeBytes({ AggregateEventRecord.sameContent($0, record) })
        {
            // A later arrival of the same content: only the version changes. (Bytes compared, so
            // -0.0 and 0.0 differ as min/max tell them apart; created times must match too, since
            // `last` breaks ties on them.)
            summary.applied += 1
            summary.replaced += 1
            eventPuts.append((layout.eventKey(entity: entity, time: version.time, id: version.id), record))
            if !version.sharesTime {
                identityPuts.append((identityKey, entry))
                indexed = true
            } else if old.indexed {
                identityDeletes.append(identityKey)
            }
            return
        }
        var source = sources[version.entity] ?? TileSource(store: store, layout: layout, entity: entity)
        defer { sources[version.entity] = source }
        if let old {
            // The stored version leaves: its tiles are recomputed (those a read can still use).
            summary.replaced += 1
            let key = layout.eventKey(entity: entity, time: old.time, id: version.id)
            eventDeletes.append(key)
            source.removedEvents.insert(ByteKey(key))
            if old.indexed { identityDeletes.append(identityKey) }
            hourChanges[version.entity, default: [:]][AggregateLayout.hour(of: old.time), default: 0] -= 1
            for tile in TileLevels.tiles(containing: Timestamp(microseconds: old.time))
            where tile.range.end.microseconds > cutoff {
                dirty[version.entity, default: []].insert(tile)
            }
        }
        if version.time < cutoff {
            summary.late += 1
            return
        }
        summary.applied += 1
        let key = layout.eventKey(entity: entity, time: version.time, id: version.id)
        source.addedEvents[ByteKey(key)] = TileSource.PendingEvent(
            time: version.time, created: version.rank.created, values: version.values)
        eventPuts.append((key, record))
        if !version.sharesTime {
            identityPuts.append((identityKey, entry))
            indexed = true
        }
        hourChanges[version.entity, default: [:]][AggregateLayout.hour(of: version.time), default: 0] += 1
        for tile in TileLevels.tiles(containing: Timestamp(microseconds: version.time)) {
            var value = added[version.entity, default: [:]][tile] ?? TileValue(layout: layout)
            value.add(version.values, time: version.time, created: version.rank.created, layout: layout)
            added[version.entity, default: [:]][tile] = value
        }
    }

    /// Brings every tile the batch touches up to date: stored tiles plus the added events, tiles
    /// that lost an event recomputed, and hours that cross the layout's `fineTileThreshold`
    /// given their minute tiles.
    mutating func updateTiles() throws {
        // Hour tiles and coarser, read at once.
        var slots: [(entity: Int, tile: TileLevels.Tile)] = []
        for entity in Set(added.keys).union(dirty.keys) {
            let tiles = Set(added[entity]?.keys.map { $0 } ?? []).union(dirty[entity] ?? [])
            for tile in tiles where tile.level >= TileLevels.hour { slots.append((entity, tile)) }
        }
        let coarse = try readTiles(slots)
        // Which hours keep minute tiles: those that did, and those crossing the threshold now.
        var densified: [Int: Set<Int64>] = [:]
        // Hours whose tile could not be decoded: minute tiles from before may exist.
        var rebuilt: [Int: Set<Int64>] = [:]
        for (entity, changes) in hourChanges {
            for (hour, change) in changes {
                let tile = TileLevels.Tile(level: TileLevels.hour, index: hour)
                let stored = coarse[SlotKey(entity: entity, tile: tile)]
                if case .value(let value) = stored, value.fine {
                    sources[entity]!.fineHours[hour] = true
                    continue
                }
                var events = change
                if case .value(let value) = stored { events += value.events }
                if case .undecodable = stored {
                    events = try countEvents(entity: entity, hour: hour)
                    rebuilt[entity, default: []].insert(hour)
                }
                let fine = events > layout.fineTileThreshold
                sources[entity]!.fineHours[hour] = fine
                if fine { densified[entity, default: []].insert(hour) }
            }
        }
        // Minute tiles: dropped for hours that keep none; rebuilt from raw events for hours that
        // start keeping them; read and merged for the others.
        var fineSlots: [(entity: Int, tile: TileLevels.Tile)] = []
        for entity in Set(added.keys).union(dirty.keys) {
            for tile in Set(added[entity]?.keys.map { $0 } ?? []).union(dirty[entity] ?? [])
            where tile.level < TileLevels.hour {
                let hour = AggregateLayout.hour(of: tile.range.start.microseconds)
                if sources[entity]!.fineHours[hour] != true || densified[entity]?.contains(hour) == true {
                    added[entity]?[tile] = nil
                    dirty[entity]?.remove(tile)
                } else {
                    fineSlots.append((entity, tile))
                }
            }
        }
        for (entity, hours) in densified {
            for hour in hours {
                try densify(entity: entity, hour: hour, replacing: rebuilt[entity]?.contains(hour) == true)
            }
        }
        let fine = try readTiles(fineSlots)
        for (key, stored) in coarse.merging(fine, uniquingKeysWith: { a, _ in a }) {
            let entity = key.entity
            let tile = key.tile
            guard dirty[entity]?.contains(tile) != true, let adds = added[entity]?[tile] else { continue }
            switch stored {
            case .missing:
                sources[entity]!.known[tile] = adds
            case .value(var value):
                value.merge(adds)
                sources[entity]!.known[tile] = value
            case .undecodable:
                dirty[entity, default: []].insert(tile)
                continue
            }
            written[entity, default: []].insert(tile)
        }
        // Tiles that lost an event (or could not be decoded): recomputed, finest first, so each
        // finds its finer tiles already final.
        for (entity, tiles) in dirty {
            for tile in tiles.sorted(by: { ($0.level, $0.index) < ($1.level, $1.index) }) {
                try sources[entity]!.recompute(tile)
                written[entity, default: []].insert(tile)
            }
        }
    }

    /// A stored tile: absent, decoded, or not a tile.
    enum StoredTile {
        case missing
        case value(TileValue)
        case undecodable
    }

    struct SlotKey: Hashable {
        var entity: Int
        var tile: TileLevels.Tile
    }

    /// Reads the tiles of `slots` with one MultiGet.
    private func readTiles(_ slots: [(entity: Int, tile: TileLevels.Tile)]) throws -> [SlotKey: StoredTile] {
        var result: [SlotKey: StoredTile] = [:]
        for slot in slots { result[SlotKey(entity: slot.entity, tile: slot.tile)] = .missing }
        try store.storage {
            try store.database.multiGet(
                slots.map { layout.tileKey(entity: entities[$0.entity], tile: $0.tile) }, in: store.aggregates
            ) { index, bytes in
                let key = SlotKey(entity: slots[index].entity, tile: slots[index].tile)
                result[key] = AggregateTileCodec.decode(bytes, layout: layout).map { .value($0) } ?? .undecodable
            }
        }
        return result
    }

    /// The number of events of one hour of an entity once the batch is written.
    private func countEvents(entity: Int, hour: Int64) throws -> Int64 {
        let range = TileLevels.Tile(level: TileLevels.hour, index: hour).range
        var count: Int64 = 0
        try sources[entity]!.scanEvents(from: range.start.microseconds, to: range.end.microseconds) { _, _, _ in
            count += 1
        }
        return count
    }

    /// Builds every minute and 5-minute tile of an hour (and the hour's own tile) from its raw
    /// events, for an hour that starts keeping them; `replacing` also empties those of its minute
    /// tiles that exist from before without events now.
    private mutating func densify(entity: Int, hour: Int64, replacing: Bool) throws {
        let hourTile = TileLevels.Tile(level: TileLevels.hour, index: hour)
        var tiles: [TileLevels.Tile: TileValue] = [:]
        var whole = TileValue(layout: layout)
        let range = hourTile.range
        try sources[entity]!.scanEvents(from: range.start.microseconds, to: range.end.microseconds) {
            time, created, values in
            whole.add(values, time: time, created: created, layout: layout)
            for level in 0..<TileLevels.hour {
                let tile = TileLevels.Tile(level: level, containing: Timestamp(microseconds: time))
                var value = tiles[tile] ?? TileValue(layout: layout)
                value.add(values, time: time, created: created, layout: layout)
                tiles[tile] = value
            }
        }
        whole.fine = true
        tiles[hourTile] = whole
        for (tile, value) in tiles {
            sources[entity]!.known[tile] = value
            written[entity, default: []].insert(tile)
        }
        // Minute tiles of the hour may exist from before when its tile could not be decoded:
        // those without events now are removed.
        for level in 0..<TileLevels.hour where replacing {
            for tile in hourTile.descendants(level: level) where tiles[tile] == nil {
                sources[entity]!.known[tile] = TileValue(layout: layout)
                written[entity, default: []].insert(tile)
            }
        }
        added[entity]?[hourTile] = nil
        dirty[entity]?.remove(hourTile)
    }

    /// Adds the batch's writes to `batch`.
    func write(into batch: WriteBatch) {
        let family = store.aggregates
        for key in eventDeletes { batch.delete(key, in: family) }
        for key in identityDeletes { batch.delete(key, in: family) }
        for put in eventPuts { batch.put(put.key, put.record, in: family) }
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
