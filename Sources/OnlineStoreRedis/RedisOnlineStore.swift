import FeatureStoreCore
import Redis

/// The online store in Redis or a Redis Cluster, in Feast's Redis layout (``RedisOnlineKeyspace``),
/// so Feast's SDK reads what fs wrote and the other way round.
///
/// Writes are monotonic and atomic per entity (``MonotonicWriteScript``): a row never replaces a
/// stored row with a later (event time, created time), whichever process or replica writes.
/// Reads are one pipelined `HMGET` per entity, for every view of the lookup at once
/// (``read(_:now:)``; a cluster client splits the pipeline per node).
public final class RedisOnlineStore: Sendable {
    public let client: any RedisCommandSending
    /// When above zero, every written entity key expires this many seconds after its last write.
    public let keyTTLSeconds: Int64
    /// Rows sent per pipeline, bounding the memory a large write holds at once.
    public static let writeBatch = 4096

    public init(client: any RedisCommandSending, keyTTLSeconds: Int64 = 0) {
        self.client = client
        self.keyTTLSeconds = max(0, keyTTLSeconds)
    }

    /// Writes rows of one view, keeping for each entity only the newest row (monotonic).
    ///
    /// - Returns: how many rows replaced the stored one (or were new).
    @discardableResult
    public func write(_ entries: [(key: [FeatureValue], row: RedisOnlineRow)], to keyspace: RedisOnlineKeyspace)
        async throws -> Int
    {
        // Newest row per key within the batch first; on equal times the later entry wins.
        var newest: [[UInt8]: Int] = [:]
        var keys: [[UInt8]] = []
        for (index, entry) in entries.enumerated() {
            let key = try keyspace.key(entry.key)
            if let previous = newest[key] {
                if !entries[previous].row.isNewer(than: entry.row) { newest[key] = index }
            } else {
                newest[key] = index
                keys.append(key)
            }
        }
        var written = 0
        var start = 0
        while start < keys.count {
            let end = min(start + Self.writeBatch, keys.count)
            let calls = keys[start..<end].map { key in
                (keys: [key], arguments: arguments(entries[newest[key]!].row, in: keyspace))
            }
            let replies = try await storage(keyspace) { () async throws(RedisError) in
                try await client.evaluate(MonotonicWriteScript.script, calls: calls)
            }
            try Self.checkAvailable(replies, doing: "view '\(keyspace.view)'")
            for (offset, reply) in replies.enumerated() {
                switch reply {
                case .integer(1): written += 1
                case .integer(0): break
                default:
                    let entity = entries[newest[keys[start + offset]]!].key
                    throw FeatureStoreError.storage(
                        "writing view '\(keyspace.view)' for entity \(Self.describe(entity)) to Redis failed: \(reply.errorMessage ?? "unexpected reply \(reply)")"
                    )
                }
            }
            start = end
        }
        return written
    }

    private func arguments(_ row: RedisOnlineRow, in keyspace: RedisOnlineKeyspace) -> [[UInt8]] {
        let event = FeastTimestamp.split(row.eventTime)
        let created = FeastTimestamp.split(row.createdTime)
        var arguments: [[UInt8]] = [
            keyspace.eventTimeField, keyspace.createdTimeField, FeastTimestamp.encode(row.eventTime),
            FeastTimestamp.encode(row.createdTime), Array(String(event.seconds).utf8),
            Array(String(event.micros * 1000).utf8), Array(String(created.seconds).utf8),
            Array(String(created.micros * 1000).utf8), Array(String(keyTTLSeconds).utf8), keyspace.generationField,
            Array(String(keyspace.generation).utf8),
        ]
        arguments.reserveCapacity(arguments.count + 2 * row.values.count)
        for (name, value) in row.values.sorted(by: { $0.key < $1.key }) {
            arguments.append(keyspace.field(name))
            arguments.append(FeastValue.encode(value))
        }
        return arguments
    }

    func storage<T>(_ keyspace: RedisOnlineKeyspace, _ body: () async throws(RedisError) -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw Self.storeError(error, doing: "view '\(keyspace.view)'")
        }
    }

    /// Error replies that say a node cannot serve its slots right now (the cluster lost a master,
    /// a node still loading its data or just restarted, a slot half moved for a multi-key
    /// command): the store is `unavailable` for these keys, as when the node does not answer.
    static let transientReplies = ["CLUSTERDOWN", "TRYAGAIN", "LOADING", "MASTERDOWN"]

    /// Throws `unavailable` when a reply is one of ``transientReplies``.
    static func checkAvailable(_ replies: [RESPValue], doing what: String) throws {
        for reply in replies {
            guard let message = reply.errorMessage,
                let word = transientReplies.first(where: { message.hasPrefix($0) })
            else { continue }
            throw FeatureStoreError(
                .unavailable,
                "the Redis online store is unavailable (\(what)): a node answered \(word) (\(message)); retry when it is back"
            )
        }
    }

    /// A client failure as fs reports it: a node down, unreachable or slow is `unavailable` (a
    /// server answers 503, naming the node; retrying later may succeed); anything else (a reply
    /// that is not what fs wrote, a refused command) is a `storage` error.
    public static func storeError(_ error: RedisError, doing what: String) -> FeatureStoreError {
        switch error.kind {
        case .connectionFailed, .connectionClosed, .timeout, .clusterTopology, .tooManyRedirects:
            FeatureStoreError(
                .unavailable,
                "the Redis online store is unavailable (\(what)): \(error.description); retry when it is back")
        case .protocolViolation, .server:
            FeatureStoreError.storage("the Redis online store (\(what)): \(error.description)")
        }
    }

    static func describe(_ entity: [FeatureValue]) -> String {
        "["
            + entity.map { value in
                switch value {
                case .string(let text): Quote.value(text)
                case .int64(let number): String(number)
                default: String(describing: value)
                }
            }.joined(separator: ", ") + "]"
    }
}
