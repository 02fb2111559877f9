import FeatureStoreCore
import Testing

@testable import OnlineStoreRedis

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}

@Suite struct FeastLayoutTests {
    @Test func entityKeyMatchesFeastsVersion3() throws {
        let key = try RedisOnlineKeyspace(project: "demo", view: "driver_stats", joinKeys: ["driver_id"]).key([
            .int64(1002)
        ])
        #expect(
            hex(key) == "01000000" + "02000000" + "09000000" + hex(Array("driver_id".utf8)) + "04000000" + "08000000"
                + "ea03000000000000" + hex(Array("demo".utf8)))
    }

    @Test func joinKeysAreSortedByNameWithTheirValues() throws {
        let keyspace = RedisOnlineKeyspace(project: "p", view: "v", joinKeys: ["zone", "a"])
        let key = try keyspace.key([.string("z1"), .bytes([0xFF])])
        let expected =
            "02000000" + "02000000" + "01000000" + hex(Array("a".utf8)) + "02000000" + "04000000"
            + hex(Array("zone".utf8)) + "01000000" + "01000000" + "ff" + "02000000" + "02000000"
            + hex(Array("z1".utf8)) + hex(Array("p".utf8))
        #expect(hex(key) == expected)
    }

    @Test func unkeyableValuesAreRefusedNamingTheJoinKey() {
        let keyspace = RedisOnlineKeyspace(project: "p", view: "v", joinKeys: ["rate"])
        #expect {
            try keyspace.key([.float64(1.5)])
        } throws: { error in
            "\(error)".contains("join key 'rate' has a float64 value")
        }
        #expect(throws: FeatureStoreError.self) { try keyspace.key([.int64(1), .int64(2)]) }
    }

    @Test func murmur3FieldsMatchFeast() {
        #expect(hex(Murmur3.fieldBytes("driver_stats:conv_rate")) == "fa731014")
        // Reference values of MurmurHash3_x86_32 with seed 0.
        #expect(Murmur3.hash32([]) == 0)
        #expect(Murmur3.hash32(Array("hello".utf8)) == 0x248B_FA47)
        #expect(Murmur3.hash32(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x2E4F_F723)
    }

    @Test func valuesEncodeAsFeastValueProtobufs() throws {
        #expect(hex(FeastValue.encode(.float64(0.75))) == "29000000000000e83f")
        #expect(hex(FeastValue.encode(.int64(0))) == "2000")
        #expect(hex(FeastValue.encode(.int64(-1))) == "20ffffffffffffffffff01")
        #expect(hex(FeastValue.encode(.string("ab"))) == "12026162")
        #expect(hex(FeastValue.encode(.bool(true))) == "3801")
        #expect(hex(FeastValue.encode(.bytes([]))) == "0a00")
        #expect(FeastValue.encode(.null).isEmpty)
        #expect(hex(FeastValue.encode(.timestamp(Timestamp(microseconds: 1_500_000)))) == "4001")
        #expect(hex(FeastValue.encode(.timestamp(Timestamp(microseconds: -1)))) == "40ffffffffffffffffff01")
        // What Feast writes for other types reads as fs's own.
        #expect(try FeastValue.decode([0x18, 0x7B]) == .int64(123))
        #expect(try FeastValue.decode([0x35, 0x00, 0x00, 0x40, 0x3F]) == .float64(0.75))
        #expect(try FeastValue.decode([0x98, 0x01, 0x00]) == .null)
        #expect(try FeastValue.decode([]) == .null)
    }

    @Test func malformedValuesAreErrorsNeverCrashes() {
        for bytes: [UInt8] in [
            [0x29, 0, 0], [0x12, 0x05, 0x61], [0x12, 0x01, 0xFF], [0x20], [0x5A, 0x00], [0x0F], [0x40, 0x80],
        ] {
            #expect(throws: FeastValueError.self, "\(hex(bytes))") { try FeastValue.decode(bytes) }
        }
        #expect { try FeastValue.decode([0x6A, 0x00]) } throws: { "\($0)".contains("list value") }
        #expect { try FeastValue.decode([0x40, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]) } throws: {
            "\($0)".contains("outside years")
        }
    }

    @Test(arguments: 0..<50) func valuesAndTimestampsRoundTrip(seed: Int) throws {
        var random = SplitMix64(seed: UInt64(seed))
        for _ in 0..<200 {
            let value = randomValue(&random)
            let decoded = try FeastValue.decode(FeastValue.encode(value))
            #expect(same(decoded, floored(value)), "seed \(seed): \(value) -> \(decoded)")
            let time = randomTime(&random)
            #expect(FeastTimestamp.decode(FeastTimestamp.encode(time)) == time, "seed \(seed): \(time)")
        }
    }
}

/// A value as Feast's Redis form keeps it: timestamps to the whole second (floored).
func floored(_ value: FeatureValue) -> FeatureValue {
    guard case .timestamp(let time) = value else { return value }
    return .timestamp(Timestamp(microseconds: FeastTimestamp.split(time).seconds * 1_000_000))
}

/// Equality that holds NaN equal to NaN (by bit pattern).
func same(_ a: FeatureValue, _ b: FeatureValue) -> Bool {
    if case .float64(let x) = a, case .float64(let y) = b { return x.bitPattern == y.bitPattern }
    return a == b
}

func randomTime(_ random: inout SplitMix64) -> Timestamp {
    let edges: [Timestamp] = [
        .earliestValid, .latestValid, Timestamp(microseconds: 0), Timestamp(microseconds: -1),
        Timestamp(microseconds: 1), Timestamp(microseconds: -1_000_000), Timestamp(microseconds: 999_999),
    ]
    if random.next() % 4 == 0 { return edges[Int(random.next() % UInt64(edges.count))] }
    let span = UInt64(Timestamp.latestValid.microseconds - Timestamp.earliestValid.microseconds)
    return Timestamp(microseconds: Timestamp.earliestValid.microseconds + Int64(random.next() % span))
}

func randomValue(_ random: inout SplitMix64) -> FeatureValue {
    switch random.next() % 8 {
    case 0: return .null
    case 1:
        let edges: [Int64] = [.min, .max, 0, -1, 1]
        return .int64(random.next() % 3 == 0 ? edges[Int(random.next() % 5)] : Int64(bitPattern: random.next()))
    case 2:
        let edges: [Double] = [.nan, .infinity, -.infinity, 0, -0.0, .greatestFiniteMagnitude, .leastNonzeroMagnitude]
        return .float64(
            random.next() % 3 == 0 ? edges[Int(random.next() % 7)] : Double(bitPattern: random.next() >> 2))
    case 3:
        return .string(String((0..<(random.next() % 12)).map { _ in "aé😀 \u{0}"[...].randomElement(using: &random)! }))
    case 4: return .bool(random.next() % 2 == 0)
    case 5: return .bytes((0..<(random.next() % 10)).map { _ in UInt8(truncatingIfNeeded: random.next()) })
    default: return .timestamp(randomTime(&random))
    }
}
