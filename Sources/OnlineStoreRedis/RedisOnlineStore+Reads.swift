import FeatureStoreCore
import Redis

extension RedisOnlineStore {
    /// The features of one view to read for many entities.
    public struct ViewRead: Sendable {
        public var keyspace: RedisOnlineKeyspace
        public var entities: [[FeatureValue]]
        public var features: [String]
        /// Values older than `now - ttl` are `OUTSIDE_MAX_AGE` (with a null value); zero never expires.
        public var ttl: TimeSpan

        public init(keyspace: RedisOnlineKeyspace, entities: [[FeatureValue]], features: [String], ttl: TimeSpan) {
            self.keyspace = keyspace
            self.entities = entities
            self.features = features
            self.ttl = ttl
        }
    }

    /// Reads `features` of many entities of one view.
    ///
    /// - Returns: one row per entity, one value per feature, in the order asked.
    public func read(
        _ entities: [[FeatureValue]], from keyspace: RedisOnlineKeyspace, features: [String], ttl: TimeSpan,
        now: Timestamp
    ) async throws -> [[OnlineValue]] {
        try await read([ViewRead(keyspace: keyspace, entities: entities, features: features, ttl: ttl)], now: now)[0]
    }

    /// Reads several views at once in one pipeline: the views of one entity share its hash in
    /// Feast's layout, so each distinct entity key is one `HMGET` of every field asked of it,
    /// whatever the number of views (a lookup of 3 views of one entity is one command, one round
    /// trip).
    ///
    /// - Returns: per view, one row per entity, one value per feature, in the order asked.
    public func read(_ reads: [ViewRead], now: Timestamp) async throws -> [[[OnlineValue]]] {
        // Per distinct key: its fields; per view and entity: which command and where its fields start.
        var commandOf: [[UInt8]: Int] = [:]
        var keys: [[UInt8]] = []
        var fields: [[[UInt8]]] = []
        var slots: [[(command: Int, offset: Int)]] = []
        slots.reserveCapacity(reads.count)
        for read in reads {
            let viewFields =
                read.features.map { read.keyspace.field($0) } + [
                    read.keyspace.eventTimeField, read.keyspace.generationField,
                ]
            var viewSlots: [(command: Int, offset: Int)] = []
            viewSlots.reserveCapacity(read.entities.count)
            for entity in read.entities {
                let key = try read.keyspace.key(entity)
                let command: Int
                if let known = commandOf[key] {
                    command = known
                } else {
                    command = keys.count
                    commandOf[key] = command
                    keys.append(key)
                    fields.append([])
                }
                viewSlots.append((command, fields[command].count))
                fields[command] += viewFields
            }
            slots.append(viewSlots)
        }
        let commands = zip(keys, fields).map { RedisCommand.hmget($0, fields: $1) }
        let what = reads.map { "'\($0.keyspace.view)'" }.joined(separator: ", ")
        let replies: [RESPValue]
        do {
            replies = try await client.pipeline(commands)
        } catch {
            throw Self.storeError(error, doing: "view\(reads.count == 1 ? "" : "s") \(what)")
        }
        try Self.checkAvailable(replies, doing: "view\(reads.count == 1 ? "" : "s") \(what)")
        var values: [[[UInt8]?]] = []
        values.reserveCapacity(replies.count)
        for (index, reply) in replies.enumerated() {
            do {
                values.append(try RedisClient.hmgetValues(reply, count: fields[index].count))
            } catch {
                throw FeatureStoreError.storage("reading views \(what) from Redis failed: \(error.message)")
            }
        }
        return try zip(reads, slots).map { read, viewSlots in
            let oldest = read.ttl > .zero ? now - read.ttl : Timestamp.min
            return try zip(read.entities, viewSlots).map { entity, slot in
                try Self.row(
                    values[slot.command][slot.offset..<(slot.offset + read.features.count + 2)], of: entity,
                    read: read, oldest: oldest)
            }
        }
    }

    /// One entity's row of one view from its fields' values: the features, then `_ts` and `_gen`.
    private static func row(
        _ values: ArraySlice<[UInt8]?>, of entity: [FeatureValue], read: ViewRead, oldest: Timestamp
    ) throws -> [OnlineValue] {
        let keyspace = read.keyspace
        let count = read.features.count
        let base = values.startIndex
        guard let stamp = values[base + count], keyspace.isCurrent(values[base + count + 1]) else {
            return Array(repeating: .notFound, count: count)
        }
        guard let event = FeastTimestamp.decode(stamp) else {
            throw FeatureStoreError.storage(
                "the stored _ts:\(keyspace.view) of entity \(describe(entity)) is not a protobuf Timestamp")
        }
        if event < oldest {
            return Array(repeating: OnlineValue(value: .null, status: .outsideMaxAge, eventTime: event), count: count)
        }
        var row: [OnlineValue] = []
        row.reserveCapacity(count)
        for (position, feature) in read.features.enumerated() {
            guard let bytes = values[base + position] else {
                row.append(OnlineValue(value: .null, status: .nullValue, eventTime: event))
                continue
            }
            let value: FeatureValue
            do {
                value = try FeastValue.decode(bytes)
            } catch {
                throw FeatureStoreError.storage(
                    "the stored value of feature '\(keyspace.view):\(feature)' of entity \(describe(entity)) is not a feast.types.Value: \(error.description)"
                )
            }
            row.append(OnlineValue(value: value, status: value.isNull ? .nullValue : .present, eventTime: event))
        }
        return row
    }
}
