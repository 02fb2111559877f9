import FeatureStoreCore
import Foundation

/// One tile of one entity: how many events it holds (null values included), whether its finer
/// tiles are kept (1-hour tiles only, the layout's `fineTileThreshold`), and one partial
/// state per state of the layout.
struct TileValue {
    var events: Int64 = 0
    /// For a 1-hour tile: its tiles of 1 and 5 minutes are kept up to date.
    var fine = false
    var states: [AggregateState]

    init(layout: AggregateLayout) {
        states = layout.states.map { AggregateState(function: $0.function) }
    }

    init(events: Int64, fine: Bool, states: [AggregateState]) {
        self.events = events
        self.fine = fine
        self.states = states
    }

    /// Adds one event's column values.
    @inline(__always)
    mutating func add(_ values: [FeatureValue], time: Int64, created: Int64, layout: AggregateLayout) {
        events += 1
        for index in states.indices {
            states[index].add(values[layout.columnOfState[index]], time: time, created: created)
        }
    }

    /// Adds the events of another tile value (its ``fine`` flag aside).
    mutating func merge(_ other: TileValue) {
        events += other.events
        for index in states.indices { states[index].merge(other.states[index]) }
    }
}

/// The stored form of a tile: format byte 2, a flags byte (bit 0: ``TileValue/fine``), a varint
/// number of events, a varint count, then per partial state its name (`sum(fare)`) and its bytes
/// (``AggregateState/appendBinary(to:)``), each with a varint length.
///
/// States are found by name and skipped by length, so removing an aggregation needs no rewrite:
/// tiles keep the state of the removed one until they expire, and reads skip it. A tile that
/// cannot be decoded (one of the layout's states missing or malformed) is recomputed from its
/// parts instead of failing the read (``TileSource``).
enum AggregateTileCodec {
    static let format: UInt8 = 2

    static func encode(_ tile: TileValue, layout: AggregateLayout) -> [UInt8] {
        var out: [UInt8] = [format, tile.fine ? 1 : 0]
        out.reserveCapacity(64 + 48 * tile.states.count)
        appendVarint(UInt64(tile.events), to: &out)
        appendVarint(UInt64(tile.states.count), to: &out)
        var body: [UInt8] = []
        for (name, state) in zip(layout.stateNames, tile.states) {
            appendVarint(UInt64(name.count), to: &out)
            out += name
            body.removeAll(keepingCapacity: true)
            state.appendBinary(to: &body)
            appendVarint(UInt64(body.count), to: &out)
            out += body
        }
        return out
    }

    /// The tile, its states in the layout's order; `nil` when the bytes are not a tile holding every
    /// state of the layout.
    static func decode(_ bytes: UnsafeRawBufferPointer, layout: AggregateLayout) -> TileValue? {
        var reader = ByteReader(bytes: bytes)
        guard reader.byte() == format, let flags = reader.byte(), let events = reader.varint(),
            let eventCount = Int64(exactly: events), let count = reader.varint()
        else { return nil }
        let names = layout.stateNames
        var states: [AggregateState?] = Array(repeating: nil, count: names.count)
        var found = 0
        var stored = 0
        while stored < count {
            guard let name = reader.slice(), let body = reader.slice() else { return nil }
            // Tiles are written in the layout's order, so the name is usually at the same position.
            func matches(_ position: Int) -> Bool {
                names[position].count == name.count
                    && names[position].withUnsafeBytes { memcmp($0.baseAddress!, name.baseAddress!, name.count) == 0 }
            }
            if let position = stored < names.count && matches(stored) ? stored : names.indices.first(where: matches) {
                var inner = ByteReader(bytes: body)
                guard states[position] == nil,
                    let state = AggregateState(function: layout.states[position].function, reading: &inner),
                    inner.isAtEnd
                else { return nil }
                states[position] = state
                found += 1
            }
            stored += 1
        }
        guard reader.isAtEnd, found == names.count else { return nil }
        return TileValue(events: eventCount, fine: flags & 1 != 0, states: states.map { $0! })
    }
}
