import FeatureStoreCore

/// One stored version of an aggregate event, as the hash of an entity holds it (field: the event
/// id in decimal): its rank as text the Lua script compares (created time, then version, each a
/// sign-flipped 64-bit number in two 32-bit decimal halves, exact in Lua's doubles), `|`, then the
/// event time, id, created time and version (8 bytes each, little endian) and the values of the
/// view's columns (``FeatureValue/appendBinary(to:)``, exact for every type).
public struct RedisAggregateEvent: Sendable, Hashable {
    public var id: Int64
    public var version: Int64
    public var time: Int64
    public var created: Int64
    public var values: [FeatureValue]

    public init(id: Int64, version: Int64, time: Int64, created: Int64, values: [FeatureValue]) {
        self.id = id
        self.version = version
        self.time = time
        self.created = created
        self.values = values
    }

    /// The hash field: the id in decimal.
    var field: [UInt8] { Array(String(id).utf8) }

    /// `cH cL vH vL|`: the rank the script compares.
    var rank: [UInt8] {
        func halves(_ value: Int64) -> String {
            let flipped = UInt64(bitPattern: value) ^ (1 << 63)
            return "\(flipped >> 32) \(flipped & 0xFFFF_FFFF)"
        }
        return Array("\(halves(created)) \(halves(version))|".utf8)
    }

    /// What the hash stores: the rank, then the event.
    func encoded() -> [UInt8] {
        var out = rank
        for number in [time, id, created, version] { appendLittleEndian(UInt64(bitPattern: number), to: &out) }
        for value in values { value.appendBinary(to: &out) }
        return out
    }

    /// Decodes a stored version with `columns` values; `nil` when the bytes are not one.
    init?(stored bytes: [UInt8], columns: Int) {
        guard let bar = bytes.firstIndex(of: UInt8(ascii: "|")) else { return nil }
        let decoded: RedisAggregateEvent? = bytes.withUnsafeBytes { raw in
            var reader = ByteReader(bytes: raw, offset: bar + 1)
            guard let time = reader.int64(), let id = reader.int64(), let created = reader.int64(),
                let version = reader.int64()
            else { return nil }
            var values: [FeatureValue] = []
            values.reserveCapacity(columns)
            for _ in 0..<columns {
                guard let value = reader.value() else { return nil }
                values.append(value)
            }
            guard reader.isAtEnd else { return nil }
            return RedisAggregateEvent(id: id, version: version, time: time, created: created, values: values)
        }
        guard let decoded else { return nil }
        self = decoded
    }
}

/// What adding aggregate events to Redis did (the counts of fs's `AggregateWriteSummary`).
public struct RedisAggregateCounts: Sendable, Hashable {
    public var applied = 0
    public var replaced = 0
    public var duplicates = 0
    public var late = 0

    public init() {}
}
