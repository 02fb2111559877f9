import FeatureStoreCore
import Redis

extension RedisOnlineStore {
    /// Events sent per script call: bounds the arguments of one call (an entity with more runs
    /// several calls; the version rule does not depend on their order).
    static let eventsPerCall = 1000

    /// Events sent per pipeline: what Redis must run before the pipeline's last reply, so a bulk
    /// fill stays far inside the client's command timeout (4,096 calls of up to 1,000 events each
    /// did not: a first fill of 235,000 events timed out after 2 s on a loaded machine).
    static let eventsPerPipeline = 8192

    /// Adds event versions to the aggregate state of many entities, one script per entity (or per
    /// ``eventsPerCall`` of its events), pipelined; see ``AddAggregateEventsScript`` for the rules.
    ///
    /// - Parameters:
    ///   - entities: per entity, its encoded key and its events, each marked late when older than
    ///     `cutoff`; one version per event id (the caller keeps the latest of a batch).
    ///   - retention: how long events are kept (microseconds), `nil` for ever.
    public func addAggregateEvents(
        _ entities: [(entity: [UInt8], events: [(event: RedisAggregateEvent, late: Bool)])],
        to keyspace: RedisAggregateKeyspace, cutoff: Int64, retention: Int64?, now: Int64
    ) async throws -> RedisAggregateCounts {
        let bound = Array(("(" + Self.score(below: cutoff)).utf8)
        let retentionText = Array((retention.map { String($0) } ?? "").utf8)
        let nowText = Array(String(now).utf8)
        var calls: [(keys: [[UInt8]], arguments: [[UInt8]])] = []
        for (entity, events) in entities {
            let keys = [keyspace.timesKey(entity: entity), keyspace.eventsKey(entity: entity)]
            var start = 0
            repeat {
                let end = min(start + Self.eventsPerCall, events.count)
                var arguments = [bound, retentionText, nowText]
                arguments.reserveCapacity(3 + 5 * (end - start))
                for (event, late) in events[start..<end] {
                    arguments.append(event.field)
                    arguments.append(Array(Double(event.time).description.utf8))
                    arguments.append(event.rank)
                    arguments.append(late ? [UInt8(ascii: "1")] : [UInt8(ascii: "0")])
                    arguments.append(event.encoded())
                }
                calls.append((keys, arguments))
                start = end
            } while start < events.count
        }
        var counts = RedisAggregateCounts()
        var start = 0
        while start < calls.count {
            var end = start
            var events = 0
            while end < calls.count, end - start < Self.writeBatch, end == start || events < Self.eventsPerPipeline {
                events += (calls[end].arguments.count - 3) / 5
                end += 1
            }
            let batch = Array(calls[start..<end])
            let replies = try await aggregateStorage(keyspace) { () async throws(RedisError) in
                try await client.evaluate(AddAggregateEventsScript.script, calls: batch)
            }
            for reply in replies {
                guard case .array(let elements?) = reply, elements.count == 4,
                    case .integer(let applied) = elements[0], case .integer(let replaced) = elements[1],
                    case .integer(let duplicates) = elements[2], case .integer(let late) = elements[3]
                else {
                    throw FeatureStoreError.storage(
                        "adding events to the online state of view '\(keyspace.view)' in Redis failed: \(reply.errorMessage ?? "unexpected reply \(reply)")"
                    )
                }
                counts.applied += Int(applied)
                counts.replaced += Int(replaced)
                counts.duplicates += Int(duplicates)
                counts.late += Int(late)
            }
            start = end
        }
        if !calls.isEmpty {
            let reply = try await aggregateStorage(keyspace) { () async throws(RedisError) in
                try await client.send(
                    RedisCommand([Array("SET".utf8), keyspace.stateKey, [UInt8(ascii: "1")]], keyIndex: 1))
            }
            _ = reply
        }
        return counts
    }

    /// The stored events of many entities with event times in `[from, to)`, one script per entity,
    /// pipelined.
    public func aggregateEvents(
        _ entities: [[UInt8]], in keyspace: RedisAggregateKeyspace, columns: Int, from: Int64, to: Int64
    ) async throws -> [[RedisAggregateEvent]] {
        guard from < to else { return entities.map { _ in [] } }
        let low = Array(Self.score(below: from).utf8)
        let high = Array(Self.score(above: to).utf8)
        let calls = entities.map { entity in
            (keys: [keyspace.timesKey(entity: entity), keyspace.eventsKey(entity: entity)], arguments: [low, high])
        }
        let replies = try await aggregateStorage(keyspace) { () async throws(RedisError) in
            try await client.evaluate(ReadAggregateEventsScript.script, calls: calls)
        }
        return try replies.map { reply in
            guard case .array(let elements?) = reply else {
                throw FeatureStoreError.storage(
                    "reading the online state of view '\(keyspace.view)' from Redis failed: \(reply.errorMessage ?? "unexpected reply \(reply)")"
                )
            }
            var events: [RedisAggregateEvent] = []
            events.reserveCapacity(elements.count)
            for element in elements {
                guard case .bulkString(let bytes?) = element,
                    let event = RedisAggregateEvent(stored: bytes, columns: columns)
                else {
                    throw FeatureStoreError.storage(
                        "a stored event of the online state of view '\(keyspace.view)' in Redis is corrupt; delete the view's keys (fs:agg:*:\(keyspace.view):*) and run `fs materialize` again"
                    )
                }
                // Scores are doubles: the exact times decide.
                if from <= event.time && event.time < to { events.append(event) }
            }
            return events
        }
    }

    /// Whether the state of the keyspace was never written.
    public func aggregateStateIsEmpty(_ keyspace: RedisAggregateKeyspace) async throws -> Bool {
        let reply = try await aggregateStorage(keyspace) { () async throws(RedisError) in
            try await client.send(RedisCommand([Array("EXISTS".utf8), keyspace.stateKey], keyIndex: 1))
        }
        guard case .integer(let count) = reply else {
            throw FeatureStoreError.storage("EXISTS of the online state of view '\(keyspace.view)' answered \(reply)")
        }
        return count == 0
    }

    /// The greatest score (a double) not above `time`: a bound that never excludes an event at
    /// `time` or later, whatever the rounding of its own score.
    static func score(below time: Int64) -> String {
        var score = Double(time)
        if score >= 0x1p63 || Int64(score) > time { score = score.nextDown }
        return score.description
    }

    /// The least score not below `time`.
    static func score(above time: Int64) -> String {
        var score = Double(time)
        if score < -0x1p63 || (score < 0x1p63 && Int64(score) < time) { score = score.nextUp }
        return score.description
    }

    func aggregateStorage<T>(_ keyspace: RedisAggregateKeyspace, _ body: () async throws(RedisError) -> T)
        async throws -> T
    {
        do {
            return try await body()
        } catch {
            throw Self.storeError(error, doing: "the aggregate state of view '\(keyspace.view)'")
        }
    }
}
