import FeatureStoreCore
import Redis

extension RedisOnlineStore {
    /// The stored (event time, created time) of each entity's row of the keyspace's generation,
    /// `nil` where there is none.
    public func storedTimes(_ entities: [[FeatureValue]], in keyspace: RedisOnlineKeyspace) async throws
        -> [(event: Timestamp, created: Timestamp)?]
    {
        let fields = [keyspace.eventTimeField, keyspace.createdTimeField, keyspace.generationField]
        let commands = try entities.map { RedisCommand.hmget(try keyspace.key($0), fields: fields) }
        let replies = try await storage(keyspace) { () async throws(RedisError) in try await client.pipeline(commands) }
        try Self.checkAvailable(replies, doing: "view '\(keyspace.view)'")
        var times: [(event: Timestamp, created: Timestamp)?] = []
        times.reserveCapacity(replies.count)
        for (index, reply) in replies.enumerated() {
            let values: [[UInt8]?]
            do {
                values = try RedisClient.hmgetValues(reply, count: fields.count)
            } catch {
                throw FeatureStoreError.storage(
                    "reading view '\(keyspace.view)' for entity \(Self.describe(entities[index])) from Redis failed: \(error.message)"
                )
            }
            guard let stamp = values[0], keyspace.isCurrent(values[2]) else {
                times.append(nil)
                continue
            }
            guard let event = FeastTimestamp.decode(stamp) else {
                throw FeatureStoreError.storage(
                    "the stored _ts:\(keyspace.view) of entity \(Self.describe(entities[index])) is not a protobuf Timestamp"
                )
            }
            // A row Feast wrote has no created time: the earliest, so any fs row of its time wins.
            let created = values[1].flatMap { FeastTimestamp.decode($0) } ?? .min
            times.append((event, created))
        }
        return times
    }

    /// Takes replaced versions back (the RocksDB store's `takeBack`): where an entity's stored row
    /// has exactly `replaced` times (and the keyspace's generation), it becomes `row`, or the
    /// view's fields are removed when `row` is `nil`, even when that is older; atomically per
    /// entity (``TakeBackScript``), so a newer row written meanwhile stays.
    ///
    /// - Returns: how many rows changed.
    @discardableResult
    public func takeBack(
        _ entries: [(key: [FeatureValue], replaced: (event: Timestamp, created: Timestamp), row: RedisOnlineRow?)],
        features: [String], in keyspace: RedisOnlineKeyspace
    ) async throws -> Int {
        if entries.isEmpty { return 0 }
        let calls = try entries.map { entry in
            var arguments: [[UInt8]] = [
                keyspace.eventTimeField, keyspace.createdTimeField, keyspace.generationField,
                FeastTimestamp.encode(entry.replaced.event), FeastTimestamp.encode(entry.replaced.created),
                Array(String(keyspace.generation).utf8),
            ]
            if let row = entry.row {
                arguments += [
                    Array("put".utf8), FeastTimestamp.encode(row.eventTime), FeastTimestamp.encode(row.createdTime),
                    Array(String(keyTTLSeconds).utf8),
                ]
                for (name, value) in row.values.sorted(by: { $0.key < $1.key }) {
                    arguments += [keyspace.field(name), FeastValue.encode(value)]
                }
            } else {
                arguments += [Array("delete".utf8), [], [], Array("0".utf8)]
                arguments += features.map { keyspace.field($0) }
            }
            return (keys: [try keyspace.key(entry.key)], arguments: arguments)
        }
        let replies = try await storage(keyspace) { () async throws(RedisError) in
            try await client.evaluate(TakeBackScript.script, calls: calls)
        }
        try Self.checkAvailable(replies, doing: "view '\(keyspace.view)'")
        var changed = 0
        for (index, reply) in replies.enumerated() {
            switch reply {
            case .integer(1): changed += 1
            case .integer(0): break
            default:
                throw FeatureStoreError.storage(
                    "taking back a replaced version of view '\(keyspace.view)' for entity \(Self.describe(entries[index].key)) in Redis failed: \(reply.errorMessage ?? "unexpected reply \(reply)")"
                )
            }
        }
        return changed
    }
}

/// The Lua script of ``RedisOnlineStore/takeBack(_:features:in:)``: compares the stored `_ts`,
/// `_created_ts` and `_gen` of the view with the replaced version's (byte for byte: fs wrote them)
/// and only then writes the new row or deletes the view's fields.
///
/// KEYS[1] the entity key. ARGV: 1-3 the `_ts`, `_created_ts` and `_gen` fields, 4 and 5 the
/// replaced version's Timestamp bytes, 6 the generation, 7 `put` or `delete`, 8 and 9 the new
/// Timestamp bytes, 10 the key's ttl in seconds (0: none), 11... field and value pairs (`put`)
/// or the feature fields to delete (`delete`). Returns 1 when changed, 0 when left alone.
enum TakeBackScript {
    static let script = RedisScript(
        #"""
        local stored = redis.call('HMGET', KEYS[1], ARGV[1], ARGV[2], ARGV[3])
        local generation = stored[3] or '1'
        if stored[1] ~= ARGV[4] or stored[2] ~= ARGV[5] or generation ~= ARGV[6] then return 0 end
        if ARGV[7] == 'put' then
          redis.call('HSET', KEYS[1], ARGV[1], ARGV[8], ARGV[2], ARGV[9], ARGV[3], ARGV[6])
          local i = 11
          while i <= #ARGV do
            local j = math.min(i + 199, #ARGV)
            redis.call('HSET', KEYS[1], unpack(ARGV, i, j))
            i = j + 1
          end
          local ttl = tonumber(ARGV[10])
          if ttl > 0 then redis.call('EXPIRE', KEYS[1], ttl) end
        else
          redis.call('HDEL', KEYS[1], ARGV[1], ARGV[2], ARGV[3])
          local i = 11
          while i <= #ARGV do
            local j = math.min(i + 199, #ARGV)
            redis.call('HDEL', KEYS[1], unpack(ARGV, i, j))
            i = j + 1
          end
        end
        return 1
        """#)
}
