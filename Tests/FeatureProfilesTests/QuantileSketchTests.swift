import FeatureStoreCore
import Testing

@testable import FeatureProfiles

/// The KLL sketch against exact ranks: every rank and quantile query within the documented
/// normalized rank error (1.65%), for single sketches and merges, over many seeds and shapes.
@Suite struct QuantileSketchTests {
    static let bound = QuantileSketch.rankErrorBound

    /// The largest rank error of `sketch` over values spread across the data, and of its quantiles.
    static func maximumError(_ sketch: QuantileSketch, exact: ExactRanks) -> Double {
        let view = sketch.sortedView()
        var worst = 0.0
        let probes = 400
        for index in 0...probes {
            let x = exact.sorted[min(exact.sorted.count - 1, index * exact.sorted.count / probes)]
            worst = max(worst, abs(view.rank(x) - exact.rank(x)))
            // A quantile is right when its exact rank interval [below, at-or-below] reaches q.
            let q = Double(index) / Double(probes)
            let value = view.quantile(q)
            let low = exact.rankBelow(value)
            let high = exact.rank(value)
            if q < low { worst = max(worst, low - q) }
            if q > high { worst = max(worst, q - high) }
        }
        return worst
    }

    static func weightOf(_ sketch: QuantileSketch) -> Int64 {
        sketch.levels.enumerated().reduce(Int64(0)) { $0 + Int64($1.element.count) << Int64($1.offset) }
    }

    @Test(arguments: Generated.Shape.allCases)
    func singleSketchesStayWithinTheBound(shape: Generated.Shape) {
        for seed in UInt64(1)...8 {
            var data = Generated(seed: seed &* 7919 &+ UInt64(Generated.Shape.allCases.firstIndex(of: shape)!))
            let values = data.values(shape, count: 60_000)
            var sketch = QuantileSketch(seed: seed)
            for value in values { sketch.add(value) }
            #expect(sketch.count == 60_000)
            #expect(Self.weightOf(sketch) == sketch.count)
            #expect(sketch.retained < 1_000, "the sketch keeps a bounded number of items")
            let error = Self.maximumError(sketch, exact: ExactRanks(values))
            #expect(error <= Self.bound, "shape \(shape), seed \(seed): rank error \(error)")
        }
    }

    @Test(arguments: Generated.Shape.allCases)
    func mergesOfManyPartsStayWithinTheBound(shape: Generated.Shape) {
        for seed in UInt64(1)...4 {
            var data = Generated(seed: seed &* 104_729 &+ UInt64(Generated.Shape.allCases.firstIndex(of: shape)!))
            let values = data.values(shape, count: 60_000)
            // Parts of random sizes (some empty, some tiny), merged in a chain and as a tree.
            var parts: [QuantileSketch] = []
            var index = 0
            while index < values.count {
                let size = Int(data.random.next() % 3_000)
                var part = QuantileSketch(seed: data.random.next())
                for value in values[index..<min(values.count, index + size)] { part.add(value) }
                parts.append(part)
                index += size
            }
            var chain = QuantileSketch()
            for part in parts { chain.merge(part) }
            var tree = parts
            while tree.count > 1 {
                var next: [QuantileSketch] = []
                for pair in stride(from: 0, to: tree.count, by: 2) {
                    var merged = tree[pair]
                    if pair + 1 < tree.count { merged.merge(tree[pair + 1]) }
                    next.append(merged)
                }
                tree = next
            }
            let exact = ExactRanks(values)
            for merged in [chain, tree[0]] {
                #expect(merged.count == Int64(values.count))
                #expect(Self.weightOf(merged) == merged.count)
                let error = Self.maximumError(merged, exact: exact)
                #expect(error <= Self.bound, "shape \(shape), seed \(seed): merged rank error \(error)")
            }
        }
    }

    @Test func smallInputsAreExact() {
        var data = Generated(seed: 3)
        let values = (0..<150).map { _ in data.normal() }
        var sketch = QuantileSketch()
        for value in values { sketch.add(value) }
        let exact = ExactRanks(values)
        for value in values { #expect(sketch.rank(value) == exact.rank(value)) }
        #expect(sketch.quantile(0) == exact.sorted.first)
        #expect(sketch.quantile(1) == exact.sorted.last)
        #expect(sketch.quantile(0.5) == exact.sorted[74])
    }

    @Test func theSameValuesInTheSameOrderGiveTheSameSketch() {
        var data = Generated(seed: 11)
        let values = data.values(.lognormal, count: 20_000)
        var a = QuantileSketch()
        var b = QuantileSketch()
        for value in values {
            a.add(value)
            b.add(value)
        }
        #expect(a == b)
    }

    @Test func emptySketchesAnswerNothing() {
        let sketch = QuantileSketch()
        #expect(sketch.rank(1) == nil)
        #expect(sketch.quantile(0.5) == nil)
        var other = QuantileSketch()
        other.merge(sketch)
        #expect(other.isEmpty)
    }
}
