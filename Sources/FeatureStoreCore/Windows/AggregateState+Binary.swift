/// The binary form of a partial aggregate, as online tiles store it. Only the fields the function
/// uses are written: the count (varint), then for `sum`/`avg` the exact int64 sum (16 bytes,
/// little-endian, low half first) and the float sum (a scaled flag, high, low), for `stddev` a
/// scaled flag, the mean and M2, for `min`/`max` the value, for `last` its times and value, for
/// `count_distinct` the number of values and the values.
extension AggregateState {
    public func appendBinary(to out: inout [UInt8]) {
        appendVarint(UInt64(count), to: &out)
        switch function {
        case .count:
            break
        case .sum, .avg:
            appendLittleEndian(UInt64(truncatingIfNeeded: integerSum), to: &out)
            appendLittleEndian(UInt64(truncatingIfNeeded: integerSum >> 64), to: &out)
            out.append(floatSum.isScaled ? 1 : 0)
            appendLittleEndian(floatSum.total.high.bitPattern, to: &out)
            appendLittleEndian(floatSum.total.low.bitPattern, to: &out)
        case .stddev:
            out.append(variance.isScaled ? 1 : 0)
            appendLittleEndian(variance.mean.bitPattern, to: &out)
            appendLittleEndian(variance.m2.bitPattern, to: &out)
        case .min, .max:
            (extreme ?? .null).appendBinary(to: &out)
        case .last:
            appendLittleEndian(UInt64(bitPattern: lastTime), to: &out)
            appendLittleEndian(UInt64(bitPattern: lastCreated), to: &out)
            (lastValue ?? .null).appendBinary(to: &out)
        case .countDistinct:
            appendVarint(UInt64(distinct.count), to: &out)
            for value in distinct { value.appendBinary(to: &out) }
        }
    }

    /// Reads a partial of `function` written by ``appendBinary(to:)``; `nil` when the bytes are not one.
    public init?(function: AggregationFunction, reading reader: inout ByteReader) {
        self.init(function: function)
        guard let count = reader.varint(), let signed = Int64(exactly: count) else { return nil }
        self.count = signed
        switch function {
        case .count:
            break
        case .sum, .avg:
            guard let low = reader.fixed64(), let high = reader.int64(), let scaled = reader.flag(),
                let sumHigh = reader.double(), let sumLow = reader.double()
            else { return nil }
            integerSum = Int128(high) << 64 | Int128(low)
            floatSum = FloatSum(total: DoubleDouble(high: sumHigh, low: sumLow), isScaled: scaled)
        case .stddev:
            guard let scaled = reader.flag(), let mean = reader.double(), let m2 = reader.double() else { return nil }
            variance = Variance(mean: mean, m2: m2, isScaled: scaled)
        case .min, .max:
            guard let value = reader.value() else { return nil }
            extreme = value.isNull ? nil : value
        case .last:
            guard let time = reader.int64(), let created = reader.int64(), let value = reader.value() else {
                return nil
            }
            lastTime = time
            lastCreated = created
            lastValue = value.isNull ? nil : value
        case .countDistinct:
            guard let size = reader.varint(), size <= UInt64(reader.bytes.count) else { return nil }
            for _ in 0..<size {
                guard let value = reader.value() else { return nil }
                distinct.insert(value)
            }
        }
    }
}

extension ByteReader {
    /// A byte that must be 0 or 1.
    mutating func flag() -> Bool? {
        switch byte() {
        case 0: false
        case 1: true
        default: nil
        }
    }
}
