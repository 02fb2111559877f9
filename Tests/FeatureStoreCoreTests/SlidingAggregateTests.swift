import FeatureStoreCore
import Testing

/// ``SlidingWindow`` and ``SlidingAggregate`` against a brute-force reference: the state of each
/// window equals the state of its events added one by one, for every function, as windows slide
/// over events with same-microsecond ties, nulls, extremes and `-0.0`.
@Suite struct SlidingAggregateTests {
    static let floats: [FeatureValue] = [
        .float64(0), .float64(-0.0), .float64(1.5), .float64(-2.25), .float64(1e300), .float64(-1e300),
        .float64(.greatestFiniteMagnitude), .null,
    ]
    static let integers: [FeatureValue] = [.int64(.max), .int64(.min), .int64(0), .int64(7), .int64(-3), .null]

    @Test(arguments: 0..<8)
    func slidingStatesEqualTheStateOfTheWindowsEvents(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let count = Int(rng.next() % 200)
        var times: [Int64] = []
        var time: Int64 = .min + 5
        for _ in 0..<count {
            time += rng.next() % 3 == 0 ? 0 : Int64(rng.next() % 50)
            times.append(time)
        }
        let created = times.map { _ in Int64(rng.next() % 3) }
        for pool in [Self.floats, Self.integers] {
            let values = times.map { _ in pool[Int(rng.next() % UInt64(pool.count))] }
            let inputType: ValueType = pool == Self.floats ? .float64 : .int64
            for function in AggregationFunction.allCases where function.acceptedTypes.contains(inputType) {
                let length = TimeSpan(microseconds: Int64(rng.next() % 400) + 1)
                var window = SlidingWindow(times: times, length: length)
                let partial = AggregateState.partialFunction(for: function)
                var sliding = SlidingAggregate(function: partial, count: times.count)
                var at = times.first ?? 0
                for _ in 0..<(count + 5) {
                    at += Int64(rng.next() % 40)
                    let range = window.advance(to: at)
                    let state = sliding.state(of: range) { index, state in
                        state.add(values[index], time: times[index], created: created[index])
                    }
                    var expected = AggregateState(function: partial)
                    let bounds = WindowRange.ending(at: Timestamp(microseconds: at), length: length)
                    for index in times.indices where bounds.contains(Timestamp(microseconds: times[index])) {
                        #expect(range.contains(index))
                        expected.add(values[index], time: times[index], created: created[index])
                    }
                    #expect(
                        range.count
                            == times.indices.filter { bounds.contains(Timestamp(microseconds: times[$0])) }.count)
                    let got = state.outcome(as: function, inputType: inputType)
                    let want = expected.outcome(as: function, inputType: inputType)
                    #expect(Self.same(got, want, function), "\(function) at \(at) over \(length): \(got) vs \(want)")
                }
            }
        }
    }

    /// Equal outcomes; `-0.0` and `0.0` told apart; sums, averages and deviations within rounding.
    static func same(_ a: AggregateOutcome, _ b: AggregateOutcome, _ function: AggregationFunction) -> Bool {
        switch (a, b) {
        case (.value(.float64(let x)), .value(.float64(let y))):
            if [.stddev, .avg, .sum].contains(function) { return abs(x - y) <= 1e-12 * max(1, abs(x), abs(y)) }
            return x == y && x.sign == y.sign
        case (.value(let x), .value(let y)): return x == y
        case (.outOfRange, .outOfRange): return true
        default: return false
        }
    }
}
