import FeatureStoreCore
import Testing

/// The rules every aggregate follows at the edges (int64 and float64 extremes, `-0.0`, ties), on
/// random data: adding in any order and merging any split give the brute-force reference.
@Suite struct AggregateRulesTests {
    static let integers: [Int64] = [
        .max, .min, .max - 1, .min + 1, 0, 1, -1, 1 << 62, -(1 << 62), 1000, -7,
    ]
    static let floats: [Double] = [
        0, -0.0, 1.5, -2.25, 1e-300, -1e-300, .leastNonzeroMagnitude, 1e300, -1e300, 1e308, -1e308,
        .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 0x1p1000, 0x1p500, -0x1p500, 3.0e154,
    ]

    static func randomValue(_ type: ValueType, _ rng: inout SplitMix64) -> FeatureValue {
        if rng.next() % 8 == 0 { return .null }
        switch type {
        case .int64: return .int64(integers[Int(rng.next() % UInt64(integers.count))])
        case .float64: return .float64(floats[Int(rng.next() % UInt64(floats.count))])
        default: return .string(["a", "b", "", "é"][Int(rng.next() % 4)])
        }
    }

    /// Events with few distinct times, so ties on (time, created) are common.
    static func randomEvents(_ type: ValueType, _ rng: inout SplitMix64) -> [AggregateReference.Event] {
        (0..<Int(rng.next() % 12)).map { _ in
            AggregateReference.Event(
                value: randomValue(type, &rng), time: Int64(rng.next() % 3), created: Int64(rng.next() % 2))
        }
    }

    static func state(_ function: AggregationFunction, _ events: some Sequence<AggregateReference.Event>)
        -> AggregateState
    {
        var state = AggregateState(function: function)
        for event in events { state.add(event.value, time: event.time, created: event.created) }
        return state
    }

    @Test(arguments: AggregationFunction.allCases)
    func extremesMatchTheReferenceInAnyOrder(function: AggregationFunction) {
        var rng = SplitMix64(seed: 11 &+ UInt64(function.rawValue.utf8.count))
        for type in [ValueType.int64, .float64, .string] where function.acceptedTypes.contains(type) {
            for _ in 0..<400 {
                let events = Self.randomEvents(type, &rng)
                let expected = AggregateReference.outcome(function, events, inputType: type)
                let values = events.map(\.value).filter { !$0.isNull }
                let inOrder = Self.state(function, events)
                let shuffled = Self.state(function, events.shuffled(using: &rng))
                var merged = AggregateState(function: function)
                var rest = events.shuffled(using: &rng)[...]
                while !rest.isEmpty {
                    let size = Int(rng.next() % 4)
                    merged.merge(Self.state(function, rest.prefix(size)))
                    rest = rest.dropFirst(size)
                }
                for (how, state) in [("in order", inOrder), ("shuffled", shuffled), ("merged", merged)] {
                    let outcome = state.outcome(inputType: type)
                    #expect(
                        AggregateReference.agrees(outcome, expected, function: function, values: values),
                        "\(function) of \(type) \(how): \(outcome) vs \(String(describing: expected)) over \(values)")
                }
                // Everything but float rounding is independent of the order.
                if [.min, .max, .last, .count, .countDistinct].contains(function)
                    || (type == .int64 && [.sum, .avg].contains(function))
                {
                    #expect(inOrder.outcome(inputType: type) == shuffled.outcome(inputType: type))
                    #expect(inOrder.outcome(inputType: type) == merged.outcome(inputType: type))
                }
            }
        }
    }

    @Test func int64SumsNeverWrap() {
        let state = Self.state(
            .sum, [Int64.max, 1, .max].map { AggregateReference.Event(value: .int64($0), time: 0, created: 0) })
        guard case .outOfRange(let detail) = state.outcome(inputType: .int64) else {
            Issue.record("an int64 sum beyond int64 must be out of range, not \(state.outcome(inputType: .int64))")
            return
        }
        #expect(detail.contains("18446744073709551615"))
        #expect(state.result(inputType: .int64) == .null)
        // The sum stays exact, so one that comes back in range is a value again.
        var back = state
        for _ in 0..<2 { back.add(.int64(.min), time: 0, created: 0) }
        #expect(back.outcome(inputType: .int64) == .value(.int64(-1)))
        var average = AggregateState(function: .avg)
        for value in [Int64.max, .max] { average.add(.int64(value), time: 0, created: 0) }
        #expect(average.result(inputType: .int64) == .float64(Double(Int64.max)))
    }

    @Test func floatSumsOverflowOnlyWhenTheSumDoes() {
        let max = Double.greatestFiniteMagnitude
        for order in [[max, max, -max], [max, -max, max], [-max, max, max]] {
            let state = Self.state(
                .sum, order.map { AggregateReference.Event(value: .float64($0), time: 0, created: 0) })
            #expect(state.outcome(inputType: .float64) == .value(.float64(max)), "\(order)")
        }
        let beyond = Self.state(
            .sum, [max, max].map { AggregateReference.Event(value: .float64($0), time: 0, created: 0) })
        #expect(beyond.result(inputType: .float64) == .null)
        let deviation = Self.state(
            .stddev, [max, -max].map { AggregateReference.Event(value: .float64($0), time: 0, created: 0) })
        if case .value = deviation.outcome(inputType: .float64) { Issue.record("stddev beyond float64 has no value") }
        let large = Self.state(
            .stddev, [1e300, -1e300].map { AggregateReference.Event(value: .float64($0), time: 0, created: 0) })
        let expected = 2e300 / 2.0.squareRoot()
        #expect(abs((large.result(inputType: .float64).floatValue ?? 0) - expected) <= 1e-12 * expected)
    }

    @Test func minMaxAndLastDoNotDependOnArrivalOrder() {
        let zeros: [FeatureValue] = [.float64(0), .float64(-0.0)]
        for function in [AggregationFunction.min, .max] {
            let forward = Self.state(function, zeros.map { AggregateReference.Event(value: $0, time: 0, created: 0) })
            let backward = Self.state(
                function, zeros.reversed().map { AggregateReference.Event(value: $0, time: 0, created: 0) })
            #expect(forward.result(inputType: .float64).isFloat64NegativeZero == (function == .min))
            #expect(backward.result(inputType: .float64).isFloat64NegativeZero == (function == .min))
        }
        // Two events tied on (time, created): the greater value, whichever came first.
        let tied: [FeatureValue] = [.string("b"), .string("a")]
        for order in [tied, tied.reversed()] {
            let last = Self.state(.last, order.map { AggregateReference.Event(value: $0, time: 5, created: 1) })
            #expect(last.result(inputType: .string) == .string("b"))
        }
    }
}

extension FeatureValue {
    var floatValue: Double? { if case .float64(let v) = self { v } else { nil } }
}
