/// Which master serves each slot, as `CLUSTER SLOTS` reported it.
public struct ClusterTopology: Sendable, Equatable {
    /// The master of each slot (index into ``masters``), `nil` where no node serves it.
    let owner: [UInt16?]
    public let masters: [RedisAddress]

    /// Reads a `CLUSTER SLOTS` reply; `asked` stands in for a master reported without a host.
    public init(slotsReply reply: RESPValue, asked: RedisAddress) throws(RedisError) {
        guard case .array(let ranges?) = reply else {
            throw RedisError(.clusterTopology, node: asked, "CLUSTER SLOTS answered \(reply), not an array of ranges")
        }
        var owner = [UInt16?](repeating: nil, count: ClusterSlot.count)
        var masters: [RedisAddress] = []
        for range in ranges {
            guard case .array(let fields?) = range, fields.count >= 3, case .integer(let start) = fields[0],
                case .integer(let end) = fields[1], 0 <= start, start <= end, end < ClusterSlot.count,
                case .array(let master?) = fields[2], master.count >= 2, let host = master[0].string,
                case .integer(let port) = master[1], (1...65535).contains(port)
            else {
                throw RedisError(.clusterTopology, node: asked, "CLUSTER SLOTS answered a malformed range: \(range)")
            }
            let address = RedisAddress(host: host.isEmpty || host == "?" ? asked.host : host, port: Int(port))
            let index: Int
            if let known = masters.firstIndex(of: address) {
                index = known
            } else {
                index = masters.count
                masters.append(address)
            }
            for slot in Int(start)...Int(end) { owner[slot] = UInt16(index) }
        }
        self.owner = owner
        self.masters = masters
    }

    /// The master serving `slot`, if any.
    public func master(of slot: Int) -> RedisAddress? {
        guard owner.indices.contains(slot), let index = owner[slot] else { return nil }
        return masters[Int(index)]
    }
}

/// A cluster's redirect of one command: `MOVED slot host:port` or `ASK slot host:port`.
struct ClusterRedirect: Equatable {
    var ask: Bool
    var slot: Int
    var target: RedisAddress

    init?(_ message: String) {
        let parts = message.split(separator: " ")
        guard parts.count == 3, parts[0] == "MOVED" || parts[0] == "ASK", let slot = Int(parts[1]),
            let target = RedisAddress(parts[2])
        else { return nil }
        ask = parts[0] == "ASK"
        self.slot = slot
        self.target = target
    }
}
