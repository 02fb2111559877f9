/// The binary form of a partial aggregate, as online tiles store it. Only the fields the function
/// uses are written.
extension AggregateState {
    public func appendBinary(to out: inout [UInt8]) {
        appendVarint(UInt64(count), to: &out)
        switch function {
        case .count:
            break
        case .sum, .avg:
            appendLittleEndian(UInt64(bitPattern: integerSum), to: &out)
            appendLittleEndian(sum.bitPattern, to: &out)
            appendLittleEndian(compensation.bitPattern, to: &out)
        case .stddev:
            appendLittleEndian(mean.bitPattern, to: &out)
            appendLittleEndian(m2.bitPattern, to: &out)
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
        guard let count = reader.varint() else { return nil }
        self.count = Int64(count)
        switch function {
        case .count:
            break
        case .sum, .avg:
            guard let integerSum = reader.int64(), let sum = reader.double(), let compensation = reader.double() else {
                return nil
            }
            self.integerSum = integerSum
            self.sum = sum
            self.compensation = compensation
        case .stddev:
            guard let mean = reader.double(), let m2 = reader.double() else { return nil }
            self.mean = mean
            self.m2 = m2
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
            guard let size = reader.varint() else { return nil }
            for _ in 0..<size {
                guard let value = reader.value() else { return nil }
                distinct.insert(value)
            }
        }
    }
}
