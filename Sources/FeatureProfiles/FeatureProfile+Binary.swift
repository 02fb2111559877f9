import FeatureStoreCore

/// The stored form of a profile, version 1 (all numbers little-endian; varints as in
/// ``FeatureValue/appendBinary(to:)``):
///
/// - `F S P`, the version byte (1), the value type (int64 0, float64 1, string 2, bool 3, bytes 4,
///   timestamp 5), then varints: count, nulls, invalid.
/// - Numeric types: a scaled flag, mean, M2 (``Variance``), minimum and maximum (doubles); for
///   int64 and timestamp the exact extremes (int64); then the quantile sketch: varint k, varint
///   count, the coin state (8 bytes), varint level count, and per level a varint item count and
///   the items (doubles).
/// - The distinct-count sketch: 0 (empty), or 1 and the 4,096 registers, or 2, a varint count and
///   that many (2-byte index, 1-byte register) pairs in index order (when that is shorter).
/// - Categorical types: the top-k summary: varint capacity, varint total, varint item count, and per
///   item its hash (8 bytes), varint count and label (varint length, UTF-8).
///
/// Decoding checks every part (the weights of the quantile sketch add up to its count, registers
/// are in range, counts add up) and refuses anything else, so a damaged blob is an error, never a
/// crash or a wrong figure. A later version gets a new version byte; this one stays readable.
extension FeatureProfile {
    public static let binaryVersion: UInt8 = 1
    static let magic: [UInt8] = Array("FSP".utf8)

    static let typeCodes: [ValueType] = [.int64, .float64, .string, .bool, .bytes, .timestamp]

    /// The stored form.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = Self.magic
        out.append(Self.binaryVersion)
        out.append(UInt8(Self.typeCodes.firstIndex(of: type)!))
        appendVarint(UInt64(count), to: &out)
        appendVarint(UInt64(nulls), to: &out)
        appendVarint(UInt64(invalid), to: &out)
        if kind == .numeric {
            out.append(moments.isScaled ? 1 : 0)
            appendLittleEndian(moments.mean.bitPattern, to: &out)
            appendLittleEndian(moments.m2.bitPattern, to: &out)
            appendLittleEndian(minimum.bitPattern, to: &out)
            appendLittleEndian(maximum.bitPattern, to: &out)
            if type != .float64 {
                appendLittleEndian(UInt64(bitPattern: integerMinimum), to: &out)
                appendLittleEndian(UInt64(bitPattern: integerMaximum), to: &out)
            }
            quantiles.appendBinary(to: &out)
        }
        distinct.appendBinary(to: &out)
        if kind == .categorical {
            var summary = frequent
            summary.reduce()
            summary.appendBinary(to: &out)
        }
        return out
    }

    /// Reads a stored profile.
    ///
    /// - Throws: ``FeatureStoreError`` (`storage`) naming what is wrong when the bytes are not a
    ///   profile this version of fs can read.
    public init(decoding bytes: [UInt8]) throws {
        let decoded: FeatureProfile? = bytes.withUnsafeBytes { buffer in
            var reader = ByteReader(bytes: buffer)
            guard let profile = Self.read(&reader), reader.isAtEnd else { return nil }
            return profile
        }
        guard let decoded else {
            if bytes.count >= 4, Array(bytes[0..<3]) == Self.magic, bytes[3] != Self.binaryVersion {
                throw FeatureStoreError.storage(
                    "a stored profile has format version \(bytes[3]), which this fs (version \(Self.binaryVersion)) cannot read; upgrade fs, or rebuild the profiles with fs stats VIEW --rebuild"
                )
            }
            throw FeatureStoreError.storage(
                "a stored profile is damaged (\(bytes.count) bytes that are not a valid profile); rebuild the profiles with fs stats VIEW --rebuild"
            )
        }
        self = decoded
    }

    private static func read(_ reader: inout ByteReader) -> FeatureProfile? {
        for byte in magic where reader.byte() != byte { return nil }
        guard reader.byte() == binaryVersion, let code = reader.byte(), Int(code) < typeCodes.count,
            let count = reader.nonNegative(), let nulls = reader.nonNegative(), let invalid = reader.nonNegative(),
            nulls <= count, invalid <= count - nulls
        else { return nil }
        let type = typeCodes[Int(code)]
        let values = count - nulls - invalid
        var moments = Variance()
        var minimum = Double.infinity
        var maximum = -Double.infinity
        var integerMinimum = Int64.max
        var integerMaximum = Int64.min
        var quantiles = QuantileSketch()
        if type.profileKind == .numeric {
            guard let scaled = reader.byte(), scaled <= 1, let mean = reader.double(), let m2 = reader.double(),
                let low = reader.double(), let high = reader.double(), mean.isFinite, m2.isFinite, m2 >= 0
            else { return nil }
            moments = Variance(mean: mean, m2: m2, isScaled: scaled == 1)
            minimum = low
            maximum = high
            if type != .float64 {
                guard let intLow = reader.int64(), let intHigh = reader.int64() else { return nil }
                integerMinimum = intLow
                integerMaximum = intHigh
                if values > 0, intLow > intHigh { return nil }
            }
            if values > 0 {
                guard low.isFinite, high.isFinite, low <= high else { return nil }
            } else {
                guard low == .infinity, high == -.infinity else { return nil }
            }
            guard let sketch = QuantileSketch(reading: &reader), sketch.count == values else { return nil }
            quantiles = sketch
        }
        guard let distinct = DistinctCountSketch(reading: &reader), distinct.isEmpty == (values == 0) else {
            return nil
        }
        var frequent = FrequentItems()
        if type.profileKind == .categorical {
            guard let summary = FrequentItems(reading: &reader), summary.total == values else { return nil }
            frequent = summary
        }
        return FeatureProfile(
            type: type, count: count, nulls: nulls, invalid: invalid, moments: moments, minimum: minimum,
            maximum: maximum, integerMinimum: integerMinimum, integerMaximum: integerMaximum, quantiles: quantiles,
            distinct: distinct, frequent: frequent)
    }
}

extension QuantileSketch {
    func appendBinary(to out: inout [UInt8]) {
        appendVarint(UInt64(k), to: &out)
        appendVarint(UInt64(count), to: &out)
        appendLittleEndian(coin, to: &out)
        appendVarint(UInt64(levels.count), to: &out)
        for level in levels {
            appendVarint(UInt64(level.count), to: &out)
            for item in level { appendLittleEndian(item.bitPattern, to: &out) }
        }
    }

    /// Reads a sketch, checking that its items are finite, its upper levels sorted and that the
    /// weights (2^level per item) add up to its count.
    init?(reading reader: inout ByteReader) {
        guard let k = reader.nonNegative(), Self.kRange.contains(Int(k)), let count = reader.nonNegative(),
            let coin = reader.fixed64(), let levelCount = reader.nonNegative(), levelCount >= 1, levelCount <= 62
        else { return nil }
        var levels: [[Double]] = []
        var weight: Int64 = 0
        for level in 0..<Int(levelCount) {
            guard let size = reader.nonNegative(), size <= Int64(reader.bytes.count - reader.offset) / 8 else {
                return nil
            }
            var items: [Double] = []
            items.reserveCapacity(Int(size))
            for _ in 0..<size {
                guard let item = reader.double(), item.isFinite else { return nil }
                if level > 0, let last = items.last, last > item { return nil }
                items.append(item)
            }
            let (levelWeight, overflow1) = size.multipliedReportingOverflow(by: Int64(1) << Int64(level))
            let (sum, overflow2) = weight.addingReportingOverflow(levelWeight)
            guard !overflow1, !overflow2 else { return nil }
            weight = sum
            levels.append(items)
        }
        guard weight == count else { return nil }
        self.init(k: Int(k), count: count, levels: levels, coin: coin)
    }
}

extension DistinctCountSketch {
    func appendBinary(to out: inout [UInt8]) {
        guard !registers.isEmpty else {
            out.append(0)
            return
        }
        let used = registers.indices.filter { registers[$0] != 0 }
        if used.count * 3 < Self.registerCount {
            out.append(2)
            appendVarint(UInt64(used.count), to: &out)
            for index in used {
                out.append(UInt8(index & 0xFF))
                out.append(UInt8(index >> 8))
                out.append(registers[index])
            }
        } else {
            out.append(1)
            out += registers
        }
    }

    init?(reading reader: inout ByteReader) {
        guard let encoding = reader.byte() else { return nil }
        switch encoding {
        case 0:
            self.init()
        case 1:
            var registers: [UInt8] = []
            registers.reserveCapacity(Self.registerCount)
            for _ in 0..<Self.registerCount {
                guard let register = reader.byte(), register <= Self.maximumRegister else { return nil }
                registers.append(register)
            }
            guard registers.contains(where: { $0 != 0 }) else { return nil }
            self.init(registers: registers)
        case 2:
            guard let used = reader.nonNegative(), used >= 1, used <= Int64(Self.registerCount) else { return nil }
            var registers = [UInt8](repeating: 0, count: Self.registerCount)
            var previous = -1
            for _ in 0..<used {
                guard let low = reader.byte(), let high = reader.byte(), let register = reader.byte() else {
                    return nil
                }
                let index = Int(low) | Int(high) << 8
                guard index > previous, index < Self.registerCount, register >= 1, register <= Self.maximumRegister
                else { return nil }
                registers[index] = register
                previous = index
            }
            self.init(registers: registers)
        default:
            return nil
        }
    }
}

extension FrequentItems {
    func appendBinary(to out: inout [UInt8]) {
        appendVarint(UInt64(capacity), to: &out)
        appendVarint(UInt64(total), to: &out)
        let kept = items
        appendVarint(UInt64(kept.count), to: &out)
        for item in kept {
            appendLittleEndian(item.hash, to: &out)
            appendVarint(UInt64(item.count), to: &out)
            appendVarint(UInt64(item.label.utf8.count), to: &out)
            out += item.label.utf8
        }
    }

    init?(reading reader: inout ByteReader) {
        guard let capacity = reader.nonNegative(), capacity >= 1, capacity <= 4096, let total = reader.nonNegative(),
            let size = reader.nonNegative(), size <= capacity
        else { return nil }
        var items: [Item] = []
        var sum: Int64 = 0
        var seen: Set<UInt64> = []
        for _ in 0..<size {
            guard let hash = reader.fixed64(), let count = reader.nonNegative(), count >= 1,
                let label = reader.string(),
                seen.insert(hash).inserted
            else { return nil }
            let (next, overflow) = sum.addingReportingOverflow(count)
            guard !overflow, next <= total else { return nil }
            sum = next
            items.append(Item(hash: hash, label: label, count: count))
        }
        self.init(capacity: Int(capacity), total: total, items: items)
    }
}

extension ByteReader {
    /// A varint that fits a non-negative Int64.
    mutating func nonNegative() -> Int64? {
        guard let value = varint(), let count = Int64(exactly: value) else { return nil }
        return count
    }
}
