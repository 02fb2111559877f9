import FeatureStoreCore
import OnlineStoreRocksDB
import Testing

@Suite struct OnlineRecordTests {
    static let everyType: [(String, FeatureValue)] = [
        ("i", .int64(-42)), ("f", .float64(-0.5)), ("s", .string("héllo, \u{0}world")), ("b", .bool(true)),
        ("y", .bytes([0, 1, 255])), ("t", .timestamp(Timestamp(microseconds: -5))), ("n", .null),
        ("big", .int64(.max)), ("nan", .float64(.infinity)), ("empty", .string("")),
    ]

    @Test func roundTripsEveryTypeAndNull() {
        let record = OnlineRecord(
            eventTime: Timestamp(seconds: 10), createdTime: Timestamp(seconds: 11), values: Self.everyType)
        let bytes = record.encoded()
        let decoded = bytes.withUnsafeBytes { OnlineRecord.decode($0) }
        #expect(decoded == record)
        var event: Timestamp?
        var values = [FeatureValue?](repeating: nil, count: 4)
        let selected = bytes.withUnsafeBytes {
            OnlineRecord.decode($0, selecting: ["t", "missing", "s", "n"].map { Array($0.utf8) }) {
                time, position, value in
                event = time
                values[position] = value
            }
        }
        #expect(selected)
        #expect(event == Timestamp(seconds: 10))
        #expect(values == [.timestamp(Timestamp(microseconds: -5)), nil, .string("héllo, \u{0}world"), .null])
    }

    @Test func randomRecordsRoundTrip() {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<500 {
            let values: [(name: String, value: FeatureValue)] = (0..<Int(rng.next() % 12)).map { index in
                let value: FeatureValue =
                    switch rng.next() % 7 {
                    case 0: .null
                    case 1: .int64(Int64(bitPattern: rng.next()))
                    case 2: .float64(Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF))
                    case 3: .string(String(repeating: "x", count: Int(rng.next() % 300)))
                    case 4: .bool(rng.next() % 2 == 0)
                    case 5: .bytes((0..<Int(rng.next() % 200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
                    default: .timestamp(Timestamp(microseconds: Int64(bitPattern: rng.next())))
                    }
                return ("feature_\(index)", value)
            }
            let record = OnlineRecord(
                eventTime: Timestamp(microseconds: Int64(bitPattern: rng.next())),
                createdTime: Timestamp(microseconds: Int64(bitPattern: rng.next())), values: values)
            #expect(record.encoded().withUnsafeBytes { OnlineRecord.decode($0) } == record)
        }
    }

    @Test func truncatedBytesAreRejected() {
        let bytes = OnlineRecord(
            eventTime: Timestamp(seconds: 1), createdTime: Timestamp(seconds: 1), values: Self.everyType
        ).encoded()
        for length in [0, 5, 17, 20, bytes.count - 1] {
            #expect(Array(bytes.prefix(length)).withUnsafeBytes { OnlineRecord.decode($0) } == nil)
        }
    }
}
