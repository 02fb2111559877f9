import FeatureStoreCore

/// Where one generation of one view's rows live: every key starts with this prefix.
///
/// A breaking change gives the view a new generation, hence a new keyspace; the old one is
/// deleted with one range delete after the registry commits.
public struct OnlineKeyspace: Hashable, Sendable {
    public let view: String
    public let generation: Int64
    /// `0x01`, the view name, `0x00`, the generation as 8 big-endian bytes.
    public let prefix: [UInt8]

    public init(view: String, generation: Int64) {
        self.view = view
        self.generation = generation
        var out: [UInt8] = [0x01]
        out += view.utf8
        out.append(0)
        appendBigEndian(UInt64(generation), to: &out)
        self.prefix = out
    }

    public static func == (lhs: OnlineKeyspace, rhs: OnlineKeyspace) -> Bool { lhs.prefix == rhs.prefix }
    public func hash(into hasher: inout Hasher) { hasher.combine(prefix) }

    /// The first key after every key of the keyspace.
    var end: [UInt8] {
        var out = prefix
        var index = out.count - 1
        while index >= 0 {
            if out[index] < 0xFF {
                out[index] += 1
                return Array(out[...index])
            }
            index -= 1
        }
        return out + [0xFF]
    }

    /// The key of one entity.
    public func key(_ entity: [FeatureValue]) throws -> [UInt8] {
        var out = prefix
        try EntityKeyEncoding.encode(entity, into: &out)
        return out
    }

    /// The meta key recording that this keyspace holds data.
    var metaKey: [UInt8] { Array("keyspace/".utf8) + prefix }

    init?(metaKey: [UInt8]) {
        let marker = Array("keyspace/".utf8)
        guard metaKey.count > marker.count + 10, metaKey.starts(with: marker), metaKey[marker.count] == 0x01 else {
            return nil
        }
        let body = metaKey[(marker.count + 1)...]
        guard let zero = body.firstIndex(of: 0), body.endIndex - zero == 9 else { return nil }
        var generation: UInt64 = 0
        for byte in body[(zero + 1)...] { generation = generation << 8 | UInt64(byte) }
        self.init(view: String(decoding: body[..<zero], as: UTF8.self), generation: Int64(generation))
    }
}
