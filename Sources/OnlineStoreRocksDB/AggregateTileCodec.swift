import FeatureStoreCore
import Foundation

/// One raw event as a leaf tile keeps it (``TileValue/leaf``).
struct LeafEvent {
    var time: Int64
    var id: Int64
    var rank: VersionRank
    /// An identity entry points at it (``AggregateEvent/versionsShareTime`` false).
    var indexed: Bool
    /// Values of the layout's columns.
    var values: [FeatureValue]

    /// Whether `other` holds the same created time and values (bit for bit: `-0.0` is not `0.0`).
    func sameContent(as other: LeafEvent) -> Bool {
        guard rank.created == other.rank.created, values.count == other.values.count else { return false }
        var a: [UInt8] = []
        var b: [UInt8] = []
        for value in values { value.appendBinary(to: &a) }
        for value in other.values { value.appendBinary(to: &b) }
        return a == b
    }
}

/// One tile of one entity: how many events it holds (null values included), whether its finer
/// tiles are kept (1-hour tiles only), one partial state per state of the layout, and, for a leaf
/// tile (a 1-minute tile, or a 1-hour tile whose hour keeps no finer tiles), its raw events.
struct TileValue {
    var events: Int64 = 0
    /// For a 1-hour tile: its tiles of 1 and 5 minutes are kept, and hold its raw events.
    var fine = false
    var states: [AggregateState]
    /// The raw events of a leaf tile, in (time, id) order; `nil` for other tiles (and leaves read
    /// without them).
    var leaf: [LeafEvent]?

    init(layout: AggregateLayout) {
        states = layout.states.map { AggregateState(function: $0.function) }
    }

    init(events: Int64, fine: Bool, states: [AggregateState], leaf: [LeafEvent]? = nil) {
        self.events = events
        self.fine = fine
        self.states = states
        self.leaf = leaf
    }

    /// A leaf tile holding `events` (sorted here), its states computed from them.
    init(leaf events: [LeafEvent], layout: AggregateLayout) {
        self.init(layout: layout)
        for event in events { add(event.values, time: event.time, created: event.rank.created, layout: layout) }
        leaf = events.sorted { ($0.time, $0.id) < ($1.time, $1.id) }
    }

    /// Adds one event's column values to the states and count (not to ``leaf``).
    @inline(__always)
    mutating func add(_ values: [FeatureValue], time: Int64, created: Int64, layout: AggregateLayout) {
        events += 1
        for index in states.indices {
            states[index].add(values[layout.columnOfState[index]], time: time, created: created)
        }
    }

    /// Adds the events of another tile value (its ``fine`` flag and leaf events aside).
    mutating func merge(_ other: TileValue) {
        events += other.events
        for index in states.indices { states[index].merge(other.states[index]) }
    }
}

/// The stored form of a tile: format byte 3, a flags byte (bit 0: ``TileValue/fine``, bit 1: raw
/// events follow), a varint number of events, a varint count, then per partial state its name
/// (`sum(fare)`) and its bytes (``AggregateState/appendBinary(to:)``), each with a varint length;
/// then, for a leaf tile, a varint count and the names of its columns (each with a varint
/// length), and per event its time, id, created time and version (8 bytes little-endian each), a
/// flags byte (bit 0: indexed) and its values (``FeatureValue/appendBinary(to:)``), one per column.
///
/// States and columns are found by name, so removing an aggregation needs no rewrite: tiles keep
/// the state and column of the removed one until they expire, and reads skip them. A tile whose
/// states cannot be decoded (one of the layout's states missing or malformed) is recomputed from
/// its parts (its raw events, or its finer tiles) instead of failing the read (``TileSource``).
enum AggregateTileCodec {
    static let format: UInt8 = 3

    static func encode(_ tile: TileValue, layout: AggregateLayout) -> [UInt8] {
        var out: [UInt8] = []
        encode(tile, layout: layout, into: &out)
        return out
    }

    static func encode(_ tile: TileValue, layout: AggregateLayout, into out: inout [UInt8]) {
        let start = out.count
        encode(events: tile.events, fine: tile.fine, states: tile.states[...], layout: layout, into: &out)
        if let leaf = tile.leaf {
            out[start + 1] |= 2
            appendLeafHeader(layout: layout, to: &out)
            for event in leaf {
                appendLeafEvent(
                    time: event.time, id: event.id, created: event.rank.created, version: event.rank.version,
                    indexed: event.indexed, values: event.values, to: &out)
            }
        }
    }

    /// The header and states of a tile (a leaf's events are appended with ``appendLeafHeader`` and
    /// ``appendLeafEvent``, setting bit 1 of byte 1).
    static func encode(
        events: Int64, fine: Bool, states: ArraySlice<AggregateState>, layout: AggregateLayout, into out: inout [UInt8]
    ) {
        out.reserveCapacity(out.count + 64 + 48 * states.count)
        out.append(format)
        out.append(fine ? 1 : 0)
        appendVarint(UInt64(events), to: &out)
        appendVarint(UInt64(states.count), to: &out)
        for (name, state) in zip(layout.stateNames, states) {
            appendVarint(UInt64(name.count), to: &out)
            out += name
            // The body's length is written before the body: one byte reserved, moved when longer.
            let lengthAt = out.count
            out.append(0)
            state.appendBinary(to: &out)
            let length = out.count - lengthAt - 1
            if length < 0x80 {
                out[lengthAt] = UInt8(length)
            } else {
                var varint: [UInt8] = []
                appendVarint(UInt64(length), to: &varint)
                out.replaceSubrange(lengthAt..<(lengthAt + 1), with: varint)
            }
        }
    }

    static func appendLeafHeader(layout: AggregateLayout, to out: inout [UInt8]) {
        appendVarint(UInt64(layout.columnBytes.count), to: &out)
        for name in layout.columnBytes {
            appendVarint(UInt64(name.count), to: &out)
            out += name
        }
    }

    static func appendLeafEvent(
        time: Int64, id: Int64, created: Int64, version: Int64, indexed: Bool, values: some Collection<FeatureValue>,
        to out: inout [UInt8]
    ) {
        appendLittleEndian(UInt64(bitPattern: time), to: &out)
        appendLittleEndian(UInt64(bitPattern: id), to: &out)
        appendLittleEndian(UInt64(bitPattern: created), to: &out)
        appendLittleEndian(UInt64(bitPattern: version), to: &out)
        out.append(indexed ? 1 : 0)
        for value in values { value.appendBinary(to: &out) }
    }

    /// What a tile's bytes hold.
    struct Decoded {
        /// The tile; `nil` when a state of the layout is missing or malformed.
        var value: TileValue?
        var events: Int64
        var fine: Bool
        /// Raw events follow the states.
        var isLeaf: Bool
        /// The raw events, when asked for and the tile is a leaf.
        var leaf: [LeafEvent]?
    }

    /// The tile with its states in the layout's order; `nil` when the bytes are not a tile holding
    /// every state of the layout.
    static func decode(_ bytes: UnsafeRawBufferPointer, layout: AggregateLayout) -> TileValue? {
        decode(bytes, layout: layout, events: false)?.value
    }

    /// Decodes a tile, with its raw events when `events` is true; `nil` when the header or the
    /// raw events cannot be read (the tile is lost, not just stale).
    static func decode(_ bytes: UnsafeRawBufferPointer, layout: AggregateLayout, events wanted: Bool) -> Decoded? {
        var reader = ByteReader(bytes: bytes)
        guard reader.byte() == format, let flags = reader.byte(), let events = reader.varint(),
            let eventCount = Int64(exactly: events), let count = reader.varint()
        else { return nil }
        let names = layout.stateNames
        var states: [AggregateState?] = Array(repeating: nil, count: names.count)
        var found = 0
        var stored = 0
        var broken = false
        while stored < count {
            guard let name = reader.slice(), let body = reader.slice() else { return nil }
            stored += 1
            if broken { continue }
            // Tiles are written in the layout's order, so the name is usually at the same position.
            guard
                let position = stored - 1 < names.count && matches(names[stored - 1], name)
                    ? stored - 1 : names.indices.first(where: { matches(names[$0], name) })
            else { continue }
            var inner = ByteReader(bytes: body)
            guard states[position] == nil,
                let state = AggregateState(function: layout.states[position].function, reading: &inner),
                inner.isAtEnd
            else {
                broken = true
                continue
            }
            states[position] = state
            found += 1
        }
        let isLeaf = flags & 2 != 0
        var decoded = Decoded(
            value: nil, events: eventCount, fine: flags & 1 != 0, isLeaf: isLeaf, leaf: nil)
        if isLeaf, wanted {
            guard let leaf = readLeaf(&reader, count: eventCount, layout: layout) else { return nil }
            decoded.leaf = leaf
        } else if !isLeaf, !reader.isAtEnd {
            return nil
        }
        if !broken, found == names.count {
            decoded.value = TileValue(
                events: eventCount, fine: decoded.fine, states: states.map { $0! }, leaf: decoded.leaf)
        }
        return decoded
    }

    @inline(__always)
    static func matches(_ name: [UInt8], _ stored: UnsafeRawBufferPointer) -> Bool {
        name.count == stored.count
            && name.withUnsafeBytes { memcmp($0.baseAddress!, stored.baseAddress!, stored.count) == 0 }
    }

    /// The raw events after the states (the layout's columns, null for those the tile lacks).
    static func readLeaf(_ reader: inout ByteReader, count: Int64, layout: AggregateLayout) -> [LeafEvent]? {
        guard let columnCount = reader.varint(), columnCount <= UInt64(reader.bytes.count) else { return nil }
        var columns: [Int?] = []
        for _ in 0..<columnCount {
            guard let name = reader.slice() else { return nil }
            columns.append(layout.columnBytes.firstIndex { matches($0, name) })
        }
        guard count >= 0, count <= reader.bytes.count else { return nil }
        var events: [LeafEvent] = []
        events.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let time = reader.int64(), let id = reader.int64(), let created = reader.int64(),
                let version = reader.int64(), let flags = reader.byte()
            else { return nil }
            var values = [FeatureValue](repeating: .null, count: layout.columns.count)
            for column in columns {
                guard let value = reader.value() else { return nil }
                if let column { values[column] = value }
            }
            events.append(
                LeafEvent(
                    time: time, id: id, rank: VersionRank(created: created, version: version), indexed: flags & 1 != 0,
                    values: values))
        }
        return reader.isAtEnd ? events : nil
    }
}
