import FeatureStoreCore
import Testing

@testable import FeatureProfiles

/// HyperLogLog against exact distinct counts: within three standard errors (3 x 1.63%) at every
/// cardinality from 1 to 300,000, on integers, doubles and strings; merges are exactly the sketch
/// of the union.
@Suite struct DistinctCountSketchTests {
    static let bound = 3 * DistinctCountSketch.relativeStandardError

    @Test(arguments: [1, 2, 10, 100, 1_000, 3_000, 8_000, 12_000, 20_000, 50_000, 300_000])
    func estimatesStayWithinThreeStandardErrors(cardinality: Int) {
        var errors: [Double] = []
        for seed in UInt64(1)...6 {
            var random = SplitMix64(seed: seed &* 31 &+ UInt64(cardinality))
            // Below 2^44, so value / 7 stays a distinct double for every value.
            let base = Int64(bitPattern: random.next() >> 20)
            var integers = DistinctCountSketch()
            var doubles = DistinctCountSketch()
            var strings = DistinctCountSketch()
            for index in 0..<cardinality {
                // Consecutive integers: the worst case for a weak hash.
                let value = base + Int64(index)
                integers.add(hash: ValueHash.integer(value))
                doubles.add(hash: ValueHash.double(Double(value) / 7))
                var text = "user-\(value)"
                text.withUTF8 { strings.add(hash: ValueHash.bytes($0)) }
                // Repeats change nothing.
                if index % 3 == 0 { integers.add(hash: ValueHash.integer(value)) }
            }
            for sketch in [integers, doubles, strings] {
                let error = (sketch.estimate - Double(cardinality)) / Double(cardinality)
                errors.append(error)
                #expect(abs(error) <= Self.bound, "cardinality \(cardinality), seed \(seed): relative error \(error)")
            }
        }
        // Not biased: the mean error over the runs stays well inside one standard error.
        let mean = errors.reduce(0, +) / Double(errors.count)
        #expect(abs(mean) <= DistinctCountSketch.relativeStandardError, "mean relative error \(mean)")
    }

    @Test func mergeIsTheSketchOfTheUnion() {
        for seed in UInt64(1)...10 {
            var random = SplitMix64(seed: seed)
            var whole = DistinctCountSketch()
            var parts = [DistinctCountSketch](repeating: DistinctCountSketch(), count: 5)
            for _ in 0..<40_000 {
                let hash = ValueHash.integer(Int64(random.next() % 30_000))
                whole.add(hash: hash)
                parts[Int(random.next() % 5)].add(hash: hash)
            }
            var merged = DistinctCountSketch()
            for part in parts.reversed() { merged.merge(part) }
            #expect(merged == whole)
            #expect(merged.estimate == whole.estimate)
        }
    }

    @Test func anEmptySketchEstimatesZero() {
        #expect(DistinctCountSketch().estimate == 0)
        var one = DistinctCountSketch()
        one.add(hash: ValueHash.double(-0.0))
        one.add(hash: ValueHash.double(0.0))
        #expect((one.estimate - 1).magnitude < 0.01)
    }
}
