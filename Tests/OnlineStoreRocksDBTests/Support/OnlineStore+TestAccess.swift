import FeatureStoreCore
import RocksDB

@testable import OnlineStoreRocksDB

extension OnlineStore {
    /// Every tile of a keyspace: key and stored bytes.
    func storedTiles(_ keyspace: OnlineKeyspace) throws -> [[UInt8]: [UInt8]] {
        var tiles: [[UInt8]: [UInt8]] = [:]
        try database.scan(
            from: keyspace.prefix + [AggregateLayout.timedPart], to: keyspace.prefix + [AggregateLayout.identityPart],
            in: aggregates
        ) { key, value in
            tiles[Array(key)] = Array(value)
            return true
        }
        return tiles
    }

    /// Makes the states of every tile unreadable (their names no longer the layout's), keeping
    /// the raw events: what a tile written with other states looks like.
    func corruptStates(_ layout: AggregateLayout) throws {
        for (key, var value) in try storedTiles(layout.keyspace) {
            let offset = value.withUnsafeBytes { bytes in
                var reader = ByteReader(bytes: bytes)
                _ = reader.byte()
                _ = reader.byte()
                _ = reader.varint()
                _ = reader.varint()
                _ = reader.varint()
                return reader.offset
            }
            value[offset] ^= 0x20
            try putAggregateKey(key, value)
        }
    }

    /// Writes one raw key of the aggregate state.
    func putAggregateKey(_ key: [UInt8], _ value: [UInt8]) throws {
        let batch = WriteBatch()
        batch.put(key, value, in: aggregates)
        try database.write(batch)
    }

    /// The stored bytes of one key of the aggregate state.
    func aggregateValue(_ key: [UInt8]) throws -> [UInt8]? { try database.get(key, in: aggregates) }
}

/// What a keyspace's aggregate state holds, by kind.
struct StoredAggregateState {
    /// (level, index) of every tile.
    var tiles: [(level: Int, index: Int64)] = []
    /// (event time, id, whether an identity entry points at it) of every raw event (in the leaves).
    var events: [(time: Int64, id: Int64, indexed: Bool)] = []
    /// (id, event time) of every identity entry.
    var identities: [(id: Int64, time: Int64)] = []
    /// Keys and values, in bytes.
    var bytes = 0
}

extension OnlineStore {
    func storedState(_ layout: AggregateLayout) throws -> StoredAggregateState {
        var state = StoredAggregateState()
        let prefix = layout.keyspace.prefix
        try database.scan(from: prefix, to: layout.keyspace.end, in: aggregates) { key, value in
            state.bytes += key.count + value.count
            if key[prefix.count] == AggregateLayout.identityPart {
                let entry = EventIdentityEntry(value)!
                state.identities.append((readSortable(key, at: key.count - 8), entry.time))
                return true
            }
            let level = Int(key[layout.kindOffset] - AggregateLayout.tileKind)
            state.tiles.append((level, readSortable(key, at: layout.kindOffset + 1)))
            let decoded = AggregateTileCodec.decode(value, layout: layout, events: true)!
            for event in decoded.leaf ?? [] { state.events.append((event.time, event.id, event.indexed)) }
            return true
        }
        return state
    }
}
