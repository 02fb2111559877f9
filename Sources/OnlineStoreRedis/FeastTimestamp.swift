import FeatureStoreCore

/// `google.protobuf.Timestamp` (seconds, nanos in 0..<1e9), the form of Feast's `_ts:<view>` field.
enum FeastTimestamp {
    /// Whole seconds (floored) and the microseconds past them (0..<1e6).
    static func split(_ time: Timestamp) -> (seconds: Int64, micros: Int64) {
        var seconds = time.microseconds / 1_000_000
        var micros = time.microseconds % 1_000_000
        if micros < 0 {
            seconds -= 1
            micros += 1_000_000
        }
        return (seconds, micros)
    }

    static func encode(_ time: Timestamp) -> [UInt8] {
        let (seconds, micros) = split(time)
        var out: [UInt8] = []
        if seconds != 0 {
            ProtobufWire.appendTag(1, wireType: 0, to: &out)
            ProtobufWire.appendVarint(UInt64(bitPattern: seconds), to: &out)
        }
        if micros != 0 {
            ProtobufWire.appendTag(2, wireType: 0, to: &out)
            ProtobufWire.appendVarint(UInt64(micros * 1000), to: &out)
        }
        return out
    }

    /// Decodes a stored Timestamp (nanoseconds below a microsecond are dropped, flooring).
    static func decode(_ bytes: [UInt8]) -> Timestamp? {
        var reader = ProtobufWire.Reader(bytes)
        var seconds: Int64 = 0
        var nanos: Int64 = 0
        while !reader.atEnd {
            guard let tag = reader.varint() else { return nil }
            switch tag {
            case 1 << 3:
                guard let raw = reader.varint() else { return nil }
                seconds = Int64(bitPattern: raw)
            case 2 << 3:
                guard let raw = reader.varint() else { return nil }
                nanos = Int64(Int32(truncatingIfNeeded: raw))
            default:
                guard reader.skip(wireType: tag & 7) else { return nil }
            }
        }
        guard (0..<1_000_000_000).contains(nanos) else { return nil }
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
        guard !overflow else { return nil }
        let (micros, overflow2) = scaled.addingReportingOverflow(nanos / 1000)
        guard !overflow2 else { return nil }
        return Timestamp(microseconds: micros)
    }
}
