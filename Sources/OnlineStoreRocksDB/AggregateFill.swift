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
/// its 1-hour tile, the longer tiles that end in it) and raw events are final and written. Longer
/// tiles are built from the shorter ones as those close (hours into 6 hours, into days, into 7 and
/// 28 days). Memory holds one hour of events plus one open tile per longer level and entity,
/// whatever the number of events.
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

    /// Entities by key (single int64 keys apart: hashed faster), their encodings, and the first
    /// 16 bytes of each as two big-endian integers (to order them without comparing arrays).
    private var entityOf: [[FeatureValue]: Int32] = [:]
    private var entityOfInteger: [Int64: Int32] = [:]
    private var entityKeys: [[FeatureValue]] = []
    private var entityBytes: [[UInt8]] = []
    private var entityPrefix: [(UInt64, UInt64)] = []
    /// Entities of events kept aside that no event of the fill has.
    private var otherEntities: Set<[FeatureValue]> = []
    /// The hour being collected, and its events.
    private var hour: Int64?
    private var buffer = Buffer()
    /// Tiles longer than an hour still open: 6 hours, 1 day, 7 days, 28 days.
    private var open: [OpenTiles]
    /// Events to add through the ordinary path after the ingestion.
    private var deferred: [AggregateEvent] = []
    private var writer: SSTFileWriter?
    private var files: [String] = []
    private var written: UInt64 = 0
    private var key: [UInt8] = []
    private var value: [UInt8] = []
    private let stateCount: Int
    private let columnCount: Int
    private let emptyStates: [AggregateState]

    /// One hour of events, one array per field (values flat, `columnCount` per event).
    struct Buffer {
        var entity: [Int32] = []
        var time: [Int64] = []
        var id: [Int64] = []
        var created: [Int64] = []
        var version: [Int64] = []
        var values: [FeatureValue] = []

        var count: Int { entity.count }

        mutating func removeAll() {
            entity.removeAll(keepingCapacity: true)
            time.removeAll(keepingCapacity: true)
            id.removeAll(keepingCapacity: true)
            created.removeAll(keepingCapacity: true)
            version.removeAll(keepingCapacity: true)
            values.removeAll(keepingCapacity: true)
        }
    }

    /// The open tiles of one level: the tile's index, and per entity (in slots) its number of
    /// events and states (flat, `stateCount` per slot).
    struct OpenTiles {
        let level: Int
        var index: Int64?
        var slotOf: [Int32: Int] = [:]
        var entities: [Int32] = []
        var events: [Int64] = []
        var states: [AggregateState] = []

        init(level: Int) { self.level = level }
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
        stateCount = layout.states.count
        columnCount = layout.columns.count
        emptyStates = layout.states.map { AggregateState(function: $0.function) }
        open = ((TileLevels.hour + 1)..<TileLevels.lengths.count).map { OpenTiles(level: $0) }
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
        for event in events { try add(event) }
    }

    /// Adds one event (see ``add(_:)-([AggregateEvent])``).
    public func add(_ event: AggregateEvent) throws {
        try layout.check(event)
        let time = event.time.microseconds
        if time < cutoff {
            summary.late += 1
            return
        }
        let eventHour = AggregateLayout.hour(of: time)
        if !event.versionsShareTime || (hour.map { eventHour < $0 } ?? false) {
            if entity(of: event.key) == nil { otherEntities.insert(event.key) }
            deferred.append(event)
            return
        }
        if let current = hour, eventHour > current { try advance(to: eventHour) }
        hour = eventHour
        buffer.entity.append(try entity(of: event.key) ?? newEntity(event.key))
        buffer.time.append(time)
        buffer.id.append(event.id)
        buffer.created.append(event.created.microseconds)
        buffer.version.append(event.version)
        buffer.values.append(contentsOf: event.values)
    }

    @inline(__always)
    private func entity(of key: [FeatureValue]) -> Int32? {
        if key.count == 1, case .int64(let number) = key[0] { return entityOfInteger[number] }
        return entityOf[key]
    }

    private func newEntity(_ key: [FeatureValue]) throws -> Int32 {
        let entity = Int32(entityKeys.count)
        if key.count == 1, case .int64(let number) = key[0] {
            entityOfInteger[number] = entity
        } else {
            entityOf[key] = entity
        }
        entityKeys.append(key)
        let bytes = try EntityKeyEncoding.encode(key)
        entityBytes.append(bytes)
        var prefix = (UInt64(0), UInt64(0))
        for (position, byte) in bytes.prefix(16).enumerated() {
            if position < 8 {
                prefix.0 |= UInt64(byte) << (56 - 8 * position)
            } else {
                prefix.1 |= UInt64(byte) << (56 - 8 * (position - 8))
            }
        }
        entityPrefix.append(prefix)
        return entity
    }

    /// The distinct entities of the events added.
    public var entities: Set<[FeatureValue]> { otherEntities.union(entityKeys) }

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

    /// Orders entities by their encodings, byte-wise, comparing the first 16 bytes as integers.
    struct EntityOrder {
        let prefixes: [(UInt64, UInt64)]
        let bytes: [[UInt8]]

        @inline(__always)
        func precedes(_ a: Int32, _ b: Int32) -> Bool {
            let x = prefixes[Int(a)]
            let y = prefixes[Int(b)]
            if x != y { return x < y }
            return bytes[Int(a)].lexicographicallyPrecedes(bytes[Int(b)])
        }
    }

    /// Writes the hour being collected, and the longer tiles that close before `next` (the hour
    /// of the next event; `nil` at the end: every tile still open).
    private func advance(to next: Int64?) throws {
        guard let current = hour else { return }
        // Locals, so the loops below neither retain nor check exclusive access per element.
        let buffer = self.buffer
        self.buffer.removeAll()
        hour = nil
        let entityOrder = EntityOrder(prefixes: entityPrefix, bytes: entityBytes)
        let layout = self.layout
        let stateCount = self.stateCount
        let columnCount = self.columnCount
        // The hour's events in key order: entity, time, id (the later version of a duplicate first).
        var order = Array(0..<buffer.count)
        buffer.entity.withUnsafeBufferPointer { entities in
            buffer.time.withUnsafeBufferPointer { times in
                buffer.id.withUnsafeBufferPointer { ids in
                    buffer.created.withUnsafeBufferPointer { created in
                        buffer.version.withUnsafeBufferPointer { versions in
                            order.sort { a, b in
                                let x = entities[a]
                                let y = entities[b]
                                if x != y { return entityOrder.precedes(x, y) }
                                return (times[a], ids[a], created[b], versions[b])
                                    < (times[b], ids[b], created[a], versions[a])
                            }
                        }
                    }
                }
            }
        }
        var unique: [Int] = []
        unique.reserveCapacity(order.count)
        var duplicates = 0
        for index in order {
            if let last = unique.last, buffer.entity[last] == buffer.entity[index],
                buffer.time[last] == buffer.time[index], buffer.id[last] == buffer.id[index]
            {
                duplicates += 1
                continue
            }
            unique.append(index)
        }
        summary.duplicates += duplicates
        summary.applied += unique.count

        // The hour's tile per entity (entities in key order): a leaf holding the entity's events,
        // or, past the threshold, merged from minute tiles that hold them.
        var hourTiles = OpenTiles(level: TileLevels.hour)
        hourTiles.index = current
        var groups: [Range<Int>] = []
        var fine: [TileLevels.Tile: [(entity: Int32, value: TileValue)]] = [:]
        var start = 0
        while start < unique.count {
            let entity = buffer.entity[unique[start]]
            var end = start
            let base = hourTiles.states.count
            hourTiles.states += emptyStates
            while end < unique.count, buffer.entity[unique[end]] == entity {
                let index = unique[end]
                for state in 0..<stateCount {
                    hourTiles.states[base + state].add(
                        buffer.values[index * columnCount + layout.columnOfState[state]], time: buffer.time[index],
                        created: buffer.created[index])
                }
                end += 1
            }
            hourTiles.entities.append(entity)
            hourTiles.events.append(Int64(end - start))
            groups.append(start..<end)
            if end - start > layout.fineTileThreshold {
                var minutes: [TileLevels.Tile: [LeafEvent]] = [:]
                for index in unique[start..<end] {
                    let minute = TileLevels.Tile(level: 0, containing: Timestamp(microseconds: buffer.time[index]))
                    minutes[minute, default: []].append(
                        LeafEvent(
                            time: buffer.time[index], id: buffer.id[index],
                            rank: VersionRank(created: buffer.created[index], version: buffer.version[index]),
                            indexed: false,
                            values: Array(buffer.values[(index * columnCount)..<((index + 1) * columnCount)])))
                }
                var fives: [TileLevels.Tile: TileValue] = [:]
                for (minute, events) in minutes {
                    let value = TileValue(leaf: events, layout: layout)
                    fine[minute, default: []].append((entity, value))
                    fives[TileLevels.Tile(level: 1, containing: minute.range.start), default: TileValue(layout: layout)]
                        .merge(value)
                }
                for (five, value) in fives { fine[five, default: []].append((entity, value)) }
            }
            start = end
        }

        // Longer tiles: the hour joins its 6-hour tile; tiles the next event is past close, each
        // joining the next level's tile before that one is written.
        try merge(hourTiles, into: 0)
        var closing: [OpenTiles] = []
        for slot in open.indices {
            guard let index = open[slot].index else { break }
            let tile = TileLevels.Tile(level: open[slot].level, index: index)
            if let next, tile.range.end > TileLevels.Tile(level: TileLevels.hour, index: next).range.start { break }
            var done = OpenTiles(level: open[slot].level)
            swap(&done, &open[slot])
            if slot + 1 < open.count { try merge(done, into: slot + 1) }
            closing.append(done)
        }

        // Bucket `current`: minute tiles, 5-minute tiles, the hour's tiles, longer tiles ending in
        // it; then longer tiles ending in later hours.
        for tile in fine.keys.sorted(by: { ($0.level, $0.index) < ($1.level, $1.index) }) {
            for (entity, tileValue) in fine[tile]! { try putTile(tile, entity: entity, tileValue) }
        }
        let hourTile = TileLevels.Tile(level: TileLevels.hour, index: current)
        for (position, entity) in hourTiles.entities.enumerated() {
            key.removeAll(keepingCapacity: true)
            layout.appendTileKey(entity: entityBytes[Int(entity)], tile: hourTile, to: &key)
            value.removeAll(keepingCapacity: true)
            let dense = hourTiles.events[position] > layout.fineTileThreshold
            AggregateTileCodec.encode(
                events: hourTiles.events[position], fine: dense,
                states: hourTiles.states[(position * stateCount)..<((position + 1) * stateCount)], layout: layout,
                into: &value)
            if !dense {
                value[1] |= 2
                AggregateTileCodec.appendLeafHeader(layout: layout, to: &value)
                for index in unique[groups[position]] {
                    AggregateTileCodec.appendLeafEvent(
                        time: buffer.time[index], id: buffer.id[index], created: buffer.created[index],
                        version: buffer.version[index], indexed: false,
                        values: buffer.values[(index * columnCount)..<((index + 1) * columnCount)], to: &value)
                }
            }
            try put()
        }
        let later = closing.filter {
            AggregateLayout.hour(of: TileLevels.Tile(level: $0.level, index: $0.index!)) > current
        }
        for tiles in closing.prefix(closing.count - later.count) { try put(tiles, order: entityOrder) }
        for tiles in later { try put(tiles, order: entityOrder) }
    }

    /// Adds every tile of `tiles` into the open tile of slot `slot` (the next level), which must be
    /// the one containing them.
    private func merge(_ tiles: OpenTiles, into slot: Int) throws {
        guard let index = tiles.index, !tiles.entities.isEmpty else { return }
        let parent = TileLevels.Tile(
            level: open[slot].level, containing: TileLevels.Tile(level: tiles.level, index: index).range.start)
        if let current = open[slot].index, current != parent.index {
            throw FeatureStoreError.storage("online fill: a tile of level \(open[slot].level) was left open")
        }
        open[slot].index = parent.index
        let stateCount = self.stateCount
        for (position, entity) in tiles.entities.enumerated() {
            let target: Int
            if let known = open[slot].slotOf[entity] {
                target = known
            } else {
                target = open[slot].entities.count
                open[slot].slotOf[entity] = target
                open[slot].entities.append(entity)
                open[slot].events.append(0)
                open[slot].states += emptyStates
            }
            open[slot].events[target] += tiles.events[position]
            for state in 0..<stateCount {
                open[slot].states[target * stateCount + state].merge(tiles.states[position * stateCount + state])
            }
        }
    }

    /// Writes every tile of `tiles` (longer than an hour), in entity order.
    private func put(_ tiles: OpenTiles, order: EntityOrder) throws {
        guard let index = tiles.index else { return }
        let tile = TileLevels.Tile(level: tiles.level, index: index)
        let positions = tiles.entities.indices.sorted { order.precedes(tiles.entities[$0], tiles.entities[$1]) }
        for position in positions {
            key.removeAll(keepingCapacity: true)
            layout.appendTileKey(entity: entityBytes[Int(tiles.entities[position])], tile: tile, to: &key)
            value.removeAll(keepingCapacity: true)
            AggregateTileCodec.encode(
                events: tiles.events[position], fine: false,
                states: tiles.states[(position * stateCount)..<((position + 1) * stateCount)], layout: layout,
                into: &value)
            try put()
        }
    }

    private func putTile(_ tile: TileLevels.Tile, entity: Int32, _ tileValue: TileValue) throws {
        key.removeAll(keepingCapacity: true)
        layout.appendTileKey(entity: entityBytes[Int(entity)], tile: tile, to: &key)
        value.removeAll(keepingCapacity: true)
        AggregateTileCodec.encode(tileValue, layout: layout, into: &value)
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
        try storage {
            try database.scan(
                from: layout.keyspace.prefix + [AggregateLayout.timedPart],
                to: layout.keyspace.prefix + [AggregateLayout.timedPart + 1], in: aggregates
            ) { key, bytes in
                guard let (_, entity) = layout.tileLevelAndEntity(ofKey: key),
                    let decoded = AggregateTileCodec.decode(bytes, layout: layout, events: true),
                    let entityKey = EntityKeyEncoding.decode(entity)
                else {
                    throw FeatureStoreError.storage(
                        "a tile of the online state of view '\(layout.keyspace.view)' is corrupt")
                }
                for event in decoded.leaf ?? [] {
                    events.append(
                        AggregateEvent(
                            key: entityKey, id: event.id, version: event.rank.version,
                            time: Timestamp(microseconds: event.time),
                            created: Timestamp(microseconds: event.rank.created),
                            values: event.values, versionsShareTime: !event.indexed))
                }
                return true
            }
        }
        return events
    }
}
