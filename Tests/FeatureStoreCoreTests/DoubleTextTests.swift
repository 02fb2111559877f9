import FeatureStoreCore
import Testing

@Suite struct DoubleTextTests {
    static func text(_ value: Double) -> String {
        var out: [UInt8] = []
        value.appendDescription(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func matchesDescriptionOnEdges() {
        let values: [Double] = [
            0, -0.0, 1, -1, 0.5, 0.1, 0.2, 0.1 + 0.2, 1e-4, 9.99e-5, 1e-5, 0.000123, 123456.789, 1e15, 1e15 - 1,
            999_999_999_999_999.9, 9_007_199_254_740_992, 4_503_599_627_370_495.5, 0.756783, 1.0 / 3, 2.0 / 3,
            100, 1e9, 1e14, 12345678.123456789, .leastNonzeroMagnitude, .greatestFiniteMagnitude, .pi, -.pi,
        ]
        for value in values { #expect(Self.text(value) == value.description, "\(value)") }
    }

    @Test(arguments: 0..<8)
    func matchesDescriptionOnRandomValues(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<20_000 {
            // Decimals with up to 9 fraction digits at many scales, and arbitrary bit patterns.
            let digits = Int(rng.next() % 10)
            let whole = Double(Int64(bitPattern: rng.next()) % 1_000_000_000_000)
            var scale = 1.0
            for _ in 0..<digits { scale *= 10 }
            let decimal = whole / scale / Double([1, 1000, 1_000_000][Int(rng.next() % 3)])
            #expect(Self.text(decimal) == decimal.description, "\(decimal)")
            let bits = Double(bitPattern: rng.next())
            if bits.isFinite { #expect(Self.text(bits) == bits.description, "\(bits)") }
        }
    }
}
