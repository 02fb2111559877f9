import FeatureStoreCore
import OnlineStoreRocksDB
import Testing

@Suite struct EntityKeyEncodingTests {
    /// A random key tuple of the given shape: true = int64, false = string (with 0x00 and 0xFF bytes).
    static func randomKey(_ shape: [Bool], _ rng: inout SplitMix64) -> [FeatureValue] {
        shape.map { isInt in
            if isInt {
                let choices: [Int64] = [.min, -1, 0, 1, .max]
                return .int64(
                    rng.next() % 4 == 0
                        ? choices[Int(rng.next() % 5)] : Int64(bitPattern: rng.next()) >> Int64(rng.next() % 60))
            }
            let alphabet: [UInt8] = [0, 1, 0x41, 0x61, 0x7F]
            let length = Int(rng.next() % 5)
            let scalars = (0..<length).map { _ in Unicode.Scalar(alphabet[Int(rng.next() % 5)]) }
            return .string(String(String.UnicodeScalarView(scalars)))
        }
    }

    static func compare(_ a: [FeatureValue], _ b: [FeatureValue]) -> Int {
        for (x, y) in zip(a, b) {
            switch (x, y) {
            case (.int64(let l), .int64(let r)) where l != r: return l < r ? -1 : 1
            case (.string(let l), .string(let r)) where l != r:
                return Array(l.utf8).lexicographicallyPrecedes(Array(r.utf8)) ? -1 : 1
            default: continue
            }
        }
        return 0
    }

    @Test(arguments: 0..<25)
    func encodingOrdersLikeTheTuplesAndRoundTrips(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let shape = (0..<(1 + Int(seed % 3))).map { _ in rng.next() % 2 == 0 }
        for _ in 0..<300 {
            let a = Self.randomKey(shape, &rng)
            let b = Self.randomKey(shape, &rng)
            let ea = try EntityKeyEncoding.encode(a)
            let eb = try EntityKeyEncoding.encode(b)
            #expect(EntityKeyEncoding.decode(ea) == a)
            let expected = Self.compare(a, b)
            let actual = ea == eb ? 0 : (ea.lexicographicallyPrecedes(eb) ? -1 : 1)
            #expect(actual == expected, "\(a) vs \(b)")
        }
    }

    @Test func rejectsNullAndOtherTypes() {
        #expect(throws: FeatureStoreError.self) { try EntityKeyEncoding.encode([.null]) }
        #expect(throws: FeatureStoreError.self) { try EntityKeyEncoding.encode([.float64(1)]) }
        #expect(EntityKeyEncoding.decode([0x10, 1]) == nil)
    }
}
