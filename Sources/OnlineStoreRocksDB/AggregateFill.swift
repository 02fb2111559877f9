import FeatureStoreCore
import Foundation
import RocksDB
import Synchronization

/// Fills the online state of an aggregate view that holds none yet from events given in event-time
/// order (as the offline history's scan yields them): tiles are computed in memory and every tile
/// and raw event is written once, into sorted table files ingested at the end in one atomic step.
///
/// The state is ordered by hour (``AggregateLayout``), so a time-ordered stream produces its keys in
/// order: when the stream leaves an hour, that hour's tiles (its minute tiles when it keeps them,
/// its 1-hour tile, the longer tiles that end in it) and raw events are final and written. Memory
/// holds one hour of events plus one open tile per longer level and entity, whatever the number of
/// events.
///
/// Events out of order (an hour already written), and events whose versions may move in time
/// (``AggregateEvent/versionsShareTime`` false, which need the identity index), are kept aside and
/// added with ``OnlineStore/addEvents(_:layout:now:)`` after the ingestion, as are events another
/// writer added to the keyspace meanwhile. The result is the state ``OnlineStore/addEvents(_:layout:now:)``
/// would have built from the same events.
public final class AggregateFill {
    let store: OnlineStore
    let layout: AggregateLayout
    let now: Timestamp
    let cutoff: Int64
    let directory: String
    public private(set) var summary = AggregateWriteSummary()

    /// Entities by key, their encodings, and (per hour) their order.
    private var entityOf: [[FeatureValue]: Int32] = [:]
    private var entityKeys: [[FeatureValue]] = []
    private var entityBytes: [[UInt8]] = []
    /// The hour being collected, and its events.
    private var hour: Int64?
    private var buffer: [Buffered] = []
    /// Tiles longer than an hour still open, per level (3 ... 6): the tile's index and its value
    /// per entity.
    private var open: [(index: Int64, tiles: [Int32: TileValue])?] = Array(repeating: nil, count: 4)
    /// Events to add through the ordinary path after the ingestion.
    private var deferred: [AggregateEvent] = []
    private var writer: SSTFileWriter?
    private var files: [String] = []
    private var written: UInt64 = 0
    private var key: [UInt8] = []
    private var value: [UInt8] = []

    struct Buffered {
        var entity: Int32
        var time: Int64
        var id: Int64
        var rank: VersionRank
        var values: [FeatureValue]
    }

    /// Table files are closed and a new one started past this size.
    static let fileSize: UInt64 = 256 << 20

    /// Starts a fill of `layout`'s keyspace as of `now` (events before `now - retention` are too
    /// late), writing its table files under `directory` (created; it must be on the store's file
    /// system, and is removed when the fill finishes).
    public init(store: OnlineStore, layout: AggregateLayout, now: Timestamp, directory: String) throws {
        try layout.checkUsable()
        self.store = store
        self.layout = layout
        self.now = now
        self.cutoff = layout.cutoff(at: now).microseconds
        self.directory = directory
        try? FileManager.default.removeItem(atPath: directory)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw FeatureStoreError.io("cannot create \(directory) for the online fill: \(error.localizedDescription)")
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// Adds events, preferably in event-time order.
    ///
    /// - Throws: `invalidInput` when an event holds NaN or an infinity (nothing of the fill is
    ///   written then).
    public func add(_ events: [AggregateEvent]) throws {
        for event in events {
            try layout.check(event)
            let time = event.time.microseconds
            if time < cutoff {
                summary.late += 1
                continue
            }
            let eventHour = AggregateLayout.hour(of: time)
            if !event.versionsShareTime || (hour.map { eventHour < $0 } ?? false) {
                deferred.append(event)
                continue
            }
            if let current = hour, eventHour > current { try advance(to: eventHour) }
            hour = eventHour
            let entity: Int32
            if let known = entityOf[event.key] {
                entity = known
            } else {
                entity = Int32(entityKeys.count)
                entityOf[event.key] = entity
                entityKeys.append(event.key)
                entityBytes.append(try EntityKeyEncoding.encode(event.key))
            }
            buffer.append(
                Buffered(
                    entity: entity, time: time, id: event.id,
                    rank: VersionRank(created: event.created.microseconds, version: event.version),
                    values: event.values))
        }
    }

    /// Writes what is left, ingests the files, and adds the events kept aside.
    @discardableResult
    public func finish() throws -> AggregateWriteSummary {
        try advance(to: nil)
        if let writer, try writer.finish() { files.append(writer.path) }
        writer = nil
        let concurrent = try store.ingestFill(files, layout: layout, cutoff: cutoff)
        deferred += concurrent
        for start in stride(from: 0, to: deferred.count, by: 10_000) {
            let added = try store.addEvents(
                Array(deferred[start..<min(deferred.count, start + 10_000)]), layout: layout, now: now)
            summary.applied += added.applied
            summary.replaced += added.replaced
            summary.duplicates += added.duplicates
            summary.late += added.late
        }
        deferred = []
        try? FileManager.default.removeItem(atPath: directory)
        return summary
    }

    /// Writes the hour being collected and the longer tiles that end before `next` (the hour of
    /// the next event; `nil` at the end: every tile still open).
    private func advance(to next: Int64?) throws {
        guard let current = hour else { return }
        // The hour's events in key order: entity, time, id (the later version of a duplicate first).
        let order = entityOrder(buffer.map(\.entity))
        var sorted = buffer.indices.map { (rank: order[buffer[$0].entity]!, index: $0) }
        sorted.sort { a, b in
            let x = buffer[a.index]
            let y = buffer[b.index]
            return (a.rank, x.time, x.id, y.rank) < (b.rank, y.time, y.id, x.rank)
        }
        var unique: [Buffered] = []
        unique.reserveCapacity(buffer.count)
        for event in sorted.lazy.map({ self.buffer[$0.index] }) {
            if let last = unique.last, last.entity == event.entity, last.time == event.time, last.id == event.id {
                summary.duplicates += 1
                continue
            }
            unique.append(event)
        }
        summary.applied += unique.count
        // The hour's tiles per entity (entities in key order), and its minute tiles when it has more
        // events than the threshold.
        var hourTiles: [(entity: Int32, value: TileValue)] = []
        var fine: [TileLevels.Tile: [(entity: Int32, value: TileValue)]] = [:]
        var start = 0
        while start < unique.count {
            var end = start
            let entity = unique[start].entity
            while end < unique.count, unique[end].entity == entity { end += 1 }
            var value = TileValue(layout: layout)
            for event in unique[start..<end] {
                value.add(event.values, time: event.time, created: event.rank.created, layout: layout)
            }
            if value.events > layout.fineTileThreshold {
                value.fine = true
                var minutes: [TileLevels.Tile: TileValue] = [:]
                for event in unique[start..<end] {
                    for level in 0..<TileLevels.hour {
                        let tile = TileLevels.Tile(level: level, containing: Timestamp(microseconds: event.time))
                        var partial = minutes[tile] ?? TileValue(layout: layout)
                        partial.add(event.values, time: event.time, created: event.rank.created, layout: layout)
                        minutes[tile] = partial
                    }
                }
                for (tile, partial) in minutes { fine[tile, default: []].append((entity, partial)) }
            }
            hourTiles.append((entity, value))
            start = end
        }
        // Bucket `current`: minute tiles, 1-hour tiles, longer tiles ending in it, then events.
        for tile in fine.keys.sorted(by: { ($0.level, $0.index) < ($1.level, $1.index) }) {
            for (entity, value) in fine[tile]! { try putTile(tile, entity: entity, value) }
        }
        let hourTile = TileLevels.Tile(level: TileLevels.hour, index: current)
        for (entity, value) in hourTiles { try putTile(hourTile, entity: entity, value) }
        for slot in open.indices {
            let level = slot + TileLevels.hour + 1
            let tile = TileLevels.Tile(level: level, containing: Timestamp(microseconds: current * hourLength))
            if let existing = open[slot], existing.index != tile.index {
                throw FeatureStoreError.storage("online fill: a \(level)-level tile was left open")
            }
            var tiles = open[slot]?.tiles ?? [:]
            for (entity, value) in hourTiles {
                var merged = tiles[entity] ?? TileValue(layout: layout)
                merged.merge(value)
                merged.fine = false
                tiles[entity] = merged
            }
            open[slot] = (tile.index, tiles)
        }
        try closeTiles(before: current + 1, bucketsUpTo: current)
        for event in unique {
            key.removeAll(keepingCapacity: true)
            key += layout.eventBound(entity: entityBytes[Int(event.entity)], hour: current, time: event.time)
            appendSortable(event.id, to: &key)
            value = AggregateEventRecord.encode(
                created: event.rank.created, version: event.rank.version, indexed: false, values: event.values,
                layout: layout)
            try put()
        }
        buffer.removeAll(keepingCapacity: true)
        hour = nil
        // Longer tiles that end before the next event's hour: no event can join them.
        try closeTiles(before: next ?? .max, bucketsUpTo: next.map { $0 - 1 } ?? .max)
    }

    /// Writes the open longer tiles whose last hour is before `before` and at most `bucketsUpTo`,
    /// in key order (by that hour, then level).
    private func closeTiles(before: Int64, bucketsUpTo last: Int64) throws {
        var closing: [(bucket: Int64, slot: Int)] = []
        for slot in open.indices {
            guard let tile = open[slot] else { continue }
            let bucket = AggregateLayout.hour(of: TileLevels.Tile(level: slot + TileLevels.hour + 1, index: tile.index))
            if bucket < before, bucket <= last { closing.append((bucket, slot)) }
        }
        for (_, slot) in closing.sorted(by: { ($0.bucket, $0.slot) < ($1.bucket, $1.slot) }) {
            let (index, tiles) = open[slot]!
            let tile = TileLevels.Tile(level: slot + TileLevels.hour + 1, index: index)
            let order = entityOrder(Array(tiles.keys))
            for entity in tiles.keys.sorted(by: { order[$0]! < order[$1]! }) {
                try putTile(tile, entity: entity, tiles[entity]!)
            }
            open[slot] = nil
        }
    }

    /// The rank of each of `entities` in key order.
    private func entityOrder(_ entities: [Int32]) -> [Int32: Int] {
        let distinct = Array(Set(entities))
        let sorted = distinct.sorted { entityBytes[Int($0)].lexicographicallyPrecedes(entityBytes[Int($1)]) }
        var order: [Int32: Int] = [:]
        order.reserveCapacity(sorted.count)
        for (rank, entity) in sorted.enumerated() { order[entity] = rank }
        return order
    }

    private func putTile(_ tile: TileLevels.Tile, entity: Int32, _ tileValue: TileValue) throws {
        key = layout.tileKey(entity: entityBytes[Int(entity)], tile: tile)
        value = AggregateTileCodec.encode(tileValue, layout: layout)
        try put()
    }

    /// Appends ``key`` and ``value`` to the current table file (a new one past ``fileSize``).
    private func put() throws {
        if writer == nil || written >= Self.fileSize {
            if let writer, try writer.finish() { files.append(writer.path) }
            let path = (directory as NSString).appendingPathComponent("fill-\(files.count).sst")
            writer = try store.storage { try SSTFileWriter(path: path, for: store.database) }
            written = 0
        }
        try store.storage { try key.withUnsafeBytes { k in try value.withUnsafeBytes { v in try writer!.put(k, v) } } }
        written += UInt64(key.count + value.count)
    }
}

extension OnlineStore {
    /// Whether `layout`'s keyspace holds no aggregate state in the current layout: never written,
    /// or written by the earlier layout (which is not read any more). Such a keyspace is filled
    /// from the whole retention (``AggregateFill``) rather than from a watermark.
    public func aggregateStateIsEmpty(_ layout: AggregateLayout) throws -> Bool {
        try storedKeyspaceState(layout.keyspace).state == nil
    }

    /// Ingests a fill's files into `layout`'s keyspace under the write lock.
    ///
    /// - Returns: events another writer added to the keyspace since the fill started (their state
    ///   is replaced by the fill's; the caller adds them again).
    func ingestFill(_ files: [String], layout: AggregateLayout, cutoff: Int64) throws -> [AggregateEvent] {
        try writeLock.withLock { _ in
            let batch = WriteBatch()
            let (known, legacy) = try storedKeyspaceState(layout.keyspace)
            var concurrent: [AggregateEvent] = []
            if known != nil {
                concurrent = try storedEvents(layout)
                batch.deleteRange(from: layout.keyspace.prefix, to: layout.keyspace.end, in: aggregates)
            }
            if legacy {
                for family in [legacyAggregateEvents, legacyAggregateTiles] {
                    batch.deleteRange(from: layout.keyspace.prefix, to: layout.keyspace.end, in: family)
                }
            }
            let state = AggregateKeyspaceState(expiredBefore: AggregateLayout.hour(of: cutoff), hasIdentities: false)
            batch.put(layout.keyspace.metaKey, state.encoded(), in: meta)
            // The record first: a crash before the ingestion leaves a keyspace that is not empty
            // (so the next materialization adds events the ordinary way) and no watermark moved.
            try storage {
                try database.write(batch, sync: true)
                try database.ingest(files, into: aggregates)
            }
            aggregateKeyspaces.withLock { $0[layout.keyspace] = state }
            return concurrent
        }
    }

    /// Every raw event stored in `layout`'s keyspace, as events.
    func storedEvents(_ layout: AggregateLayout) throws -> [AggregateEvent] {
        var events: [AggregateEvent] = []
        var values: [FeatureValue] = []
        try storage {
            try database.scan(
                from: layout.keyspace.prefix + [AggregateLayout.timedPart],
                to: layout.keyspace.prefix + [AggregateLayout.timedPart + 1], in: aggregates
            ) { key, bytes in
                guard let entity = layout.entity(ofEventKey: key) else { return true }
                guard let (time, id) = AggregateLayout.timeAndID(ofEventKey: key),
                    let header = AggregateEventRecord.header(bytes),
                    AggregateEventRecord.values(bytes, layout: layout, into: &values),
                    let entityKey = EntityKeyEncoding.decode(entity)
                else {
                    throw FeatureStoreError.storage("an aggregate event of view '\(layout.keyspace.view)' is corrupt")
                }
                events.append(
                    AggregateEvent(
                        key: entityKey, id: id, version: header.version, time: Timestamp(microseconds: time),
                        created: Timestamp(microseconds: header.created), values: values,
                        versionsShareTime: !header.indexed))
                return true
            }
        }
        return events
    }
}
