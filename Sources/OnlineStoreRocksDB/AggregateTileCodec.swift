import FeatureStoreCore
import Foundation

/// The stored form of a tile: format byte 1, a varint count, then per partial state its name
/// (`sum(fare)`) and its bytes (``AggregateState/appendBinary(to:)``), each with a varint length.
///
/// States are found by name and skipped by length, so removing an aggregation needs no rewrite:
/// tiles keep the state of the removed one until they expire, and reads skip it. A tile that
/// cannot be decoded (one of the layout's states missing or malformed) is recomputed from its
/// parts instead of failing the read (``TileSource``).
enum AggregateTileCodec {
    static let format: UInt8 = 1

    static func encode(_ states: [AggregateState], layout: AggregateLayout) -> [UInt8] {
        var out: [UInt8] = [format]
        appendVarint(UInt64(states.count), to: &out)
        var body: [UInt8] = []
        for (name, state) in zip(layout.stateNames, states) {
            appendVarint(UInt64(name.count), to: &out)
            out += name
            body.removeAll(keepingCapacity: true)
            state.appendBinary(to: &body)
            appendVarint(UInt64(body.count), to: &out)
            out += body
        }
        return out
    }

    /// The tile's states in the layout's order; `nil` when the bytes are not a tile holding every
    /// state of the layout.
    static func decode(_ bytes: UnsafeRawBufferPointer, layout: AggregateLayout) -> [AggregateState]? {
        var reader = ByteReader(bytes: bytes)
        guard reader.byte() == format, let count = reader.varint() else { return nil }
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
        return states.map { $0! }
    }
}
