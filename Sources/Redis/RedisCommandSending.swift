/// Anything that runs Redis commands: one server (``RedisClient``) or a cluster (``RedisClusterClient``).
public protocol RedisCommandSending: Sendable {
    /// Runs commands pipelined and returns their replies in the order given. A command the
    /// server refused is a ``RESPValue/error(_:)`` reply in its place; connection failures and
    /// timeouts throw.
    func pipeline(_ commands: [RedisCommand]) async throws(RedisError) -> [RESPValue]
}

extension RedisCommandSending {
    /// Runs one command; an error reply throws (naming the command).
    public func send(_ command: RedisCommand) async throws(RedisError) -> RESPValue {
        let reply = try await pipeline([command])[0]
        if let message = reply.errorMessage {
            throw RedisError(.server, node: nil, "\(command.name) failed: \(message)")
        }
        return reply
    }

    /// `HMGET key field...`: one value per field, `nil` where the field (or the key) is missing.
    public func hmget(_ key: [UInt8], fields: [[UInt8]]) async throws(RedisError) -> [[UInt8]?] {
        let reply = try await send(Self.hmgetCommand(key, fields: fields))
        return try Self.hmgetValues(reply, count: fields.count)
    }

    /// `HSET key field value ...`: how many fields were new.
    @discardableResult
    public func hset(_ key: [UInt8], _ pairs: [(field: [UInt8], value: [UInt8])]) async throws(RedisError) -> Int64 {
        var arguments = [Array("HSET".utf8), key]
        for pair in pairs { arguments += [pair.field, pair.value] }
        return try await integer(send(RedisCommand(arguments, keyIndex: 1)), of: "HSET")
    }

    /// `EXPIRE key seconds`: whether the key exists (and now expires).
    @discardableResult
    public func expire(_ key: [UInt8], seconds: Int64) async throws(RedisError) -> Bool {
        let reply = try await send(RedisCommand([Array("EXPIRE".utf8), key, Array(String(seconds).utf8)], keyIndex: 1))
        return try integer(reply, of: "EXPIRE") == 1
    }

    /// `SCRIPT LOAD`: the script's SHA-1, as the server computed it.
    public func scriptLoad(_ source: String) async throws(RedisError) -> String {
        let reply = try await send(RedisCommand("SCRIPT", ["LOAD", source], keyed: false))
        guard let sha = reply.string else {
            throw RedisError(.protocolViolation, node: nil, "SCRIPT LOAD answered \(reply), not a SHA-1")
        }
        return sha
    }

    /// Runs `script` once per call, pipelined, by `EVALSHA`; calls answered `NOSCRIPT` (a server
    /// that has not seen the script) are sent again as `EVAL`, which also caches it there.
    public func evaluate(_ script: RedisScript, calls: [(keys: [[UInt8]], arguments: [[UInt8]])])
        async throws(RedisError) -> [RESPValue]
    {
        var replies = try await pipeline(
            calls.map { script.command(keys: $0.keys, arguments: $0.arguments, bySHA: true) })
        let missing = replies.indices.filter { replies[$0].errorMessage?.hasPrefix("NOSCRIPT") == true }
        if !missing.isEmpty {
            let retried = try await pipeline(
                missing.map { script.command(keys: calls[$0].keys, arguments: calls[$0].arguments, bySHA: false) })
            for (position, index) in missing.enumerated() { replies[index] = retried[position] }
        }
        return replies
    }

    static func hmgetCommand(_ key: [UInt8], fields: [[UInt8]]) -> RedisCommand {
        RedisCommand([Array("HMGET".utf8), key] + fields, keyIndex: 1)
    }

    /// The values of an `HMGET` reply, checked to be `count` bulk strings.
    public static func hmgetValues(_ reply: RESPValue, count: Int) throws(RedisError) -> [[UInt8]?] {
        if let message = reply.errorMessage { throw RedisError(.server, node: nil, "HMGET failed: \(message)") }
        guard case .array(let elements?) = reply, elements.count == count else {
            throw RedisError(.protocolViolation, node: nil, "HMGET answered \(reply), not \(count) values")
        }
        var values: [[UInt8]?] = []
        values.reserveCapacity(count)
        for element in elements {
            guard case .bulkString(let bytes) = element else {
                throw RedisError(.protocolViolation, node: nil, "HMGET answered \(element) for a field")
            }
            values.append(bytes)
        }
        return values
    }

    private func integer(_ reply: RESPValue, of name: String) throws(RedisError) -> Int64 {
        guard case .integer(let number) = reply else {
            throw RedisError(.protocolViolation, node: nil, "\(name) answered \(reply), not an integer")
        }
        return number
    }
}

extension RedisCommand {
    /// `HMGET key field...`.
    public static func hmget(_ key: [UInt8], fields: [[UInt8]]) -> RedisCommand {
        RedisCommand([Array("HMGET".utf8), key] + fields, keyIndex: 1)
    }
}
