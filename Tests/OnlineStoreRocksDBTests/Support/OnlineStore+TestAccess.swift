import FeatureStoreCore
import RocksDB

@testable import OnlineStoreRocksDB

extension OnlineStore {
    /// Every tile of a keyspace: key and stored bytes.
    func storedTiles(_ keyspace: OnlineKeyspace) throws -> [[UInt8]: [UInt8]] {
        var tiles: [[UInt8]: [UInt8]] = [:]
        let kind = keyspace.prefix.count + 9
        try database.scan(
            from: keyspace.prefix + [AggregateLayout.timedPart], to: keyspace.prefix + [AggregateLayout.identityPart],
            in: aggregates
        ) { key, value in
            if key[kind] != AggregateLayout.eventKind { tiles[Array(key)] = Array(value) }
            return true
        }
        return tiles
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
    /// (event time, id, whether an identity entry points at it) of every raw event.
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
            let kind = key[layout.kindOffset]
            if kind == AggregateLayout.eventKind {
                let (time, id) = AggregateLayout.timeAndID(ofEventKey: key)!
                state.events.append((time, id, AggregateEventRecord.header(value)!.indexed))
            } else {
                state.tiles.append(
                    (Int(kind - AggregateLayout.tileKind), readSortable(key, at: layout.kindOffset + 1)))
            }
            return true
        }
        return state
    }
}
