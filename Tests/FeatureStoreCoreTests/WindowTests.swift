import FeatureStoreCore
import Testing

@Suite struct WindowTests {
    @Test func windowIsHalfOpen() {
        let window = WindowRange.ending(at: Timestamp(seconds: 100), length: .seconds(10))
        #expect(window.contains(Timestamp(seconds: 90)))
        #expect(window.contains(Timestamp(microseconds: 99_999_999)))
        #expect(!window.contains(Timestamp(seconds: 100)))
        #expect(!window.contains(Timestamp(microseconds: 89_999_999)))
    }

    /// Tiles and edges partition the window exactly, in order, and stay few.
    @Test(arguments: 0..<10)
    func decompositionPartitionsTheWindow(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<500 {
            let start = Int64(rng.next() % 4_000_000_000_000) - 2_000_000_000_000
            let lengths: [Int64] = [1, 59_999_999, 60_000_000, 3_600_000_000, 86_400_000_000, 604_800_000_000]
            let length = rng.next() % 2 == 0 ? lengths[Int(rng.next() % 6)] : Int64(rng.next() % 700_000_000_000)
            let range = WindowRange(start: Timestamp(microseconds: start), end: Timestamp(microseconds: start + length))
            let parts = TileLevels.decompose(range)
            var pieces = parts.edges + parts.tiles.map(\.range)
            pieces.sort { $0.start < $1.start }
            var cursor = range.start
            for piece in pieces {
                #expect(piece.start == cursor, "gap or overlap at \(cursor) in \(range)")
                cursor = piece.end
            }
            #expect(cursor == range.end || (length == 0 && pieces.isEmpty))
            #expect(parts.edges.count <= 2)
            // Raw events are read for less than a minute at each end (two minutes when the window is that short).
            #expect(parts.edges.reduce(0) { $0 + $1.end.microseconds - $1.start.microseconds } < 120_000_000)
            #expect(parts.tiles.count <= 52 + Int(length / 86_400_000_000), "\(parts.tiles.count) tiles for \(range)")
        }
    }

    /// No time and window traps: windows and tiles at the ends of Int64 are clipped to it.
    @Test func extremeTimesNeverTrap() {
        let earliest = Timestamp(microseconds: .min)
        let latest = Timestamp(microseconds: .max)
        #expect(WindowRange.ending(at: Timestamp(microseconds: .min + 5), length: .days(366)).start == earliest)
        #expect(WindowRange.ending(at: latest, length: TimeSpan(microseconds: .max)).start.microseconds == 0)
        #expect(
            WindowRange.ending(at: earliest, length: TimeSpan(microseconds: -1)).start
                == Timestamp(microseconds: .min + 1))
        for range in [
            WindowRange(start: Timestamp(microseconds: .max - 3_000_000_000), end: latest),
            WindowRange(start: earliest, end: Timestamp(microseconds: .min + 3_000_000_000)),
            WindowRange.ending(at: Timestamp(microseconds: .min + 1), length: .days(366)),
        ] {
            let parts = TileLevels.decompose(range)
            var pieces = parts.edges + parts.tiles.map(\.range)
            pieces.sort { $0.start < $1.start }
            #expect(pieces.first?.start == range.start && pieces.last?.end == range.end, "\(range)")
            for tile in parts.tiles { #expect(range.start <= tile.range.start && tile.range.end <= range.end) }
        }
        for level in TileLevels.lengths.indices {
            #expect(TileLevels.Tile(level: level, containing: latest).range.end == latest)
            #expect(TileLevels.Tile(level: level, containing: earliest).range.start == earliest)
            #expect(
                TileLevels.Tile(level: level, containing: earliest) < TileLevels.Tile(level: level, containing: latest))
        }
    }

    /// A tile is exactly its children.
    @Test func tilesSplitIntoTheirChildren() {
        for level in TileLevels.lengths.indices.dropFirst() {
            for index: Int64 in [-3, 0, 7, 1_000_003] {
                let tile = TileLevels.Tile(level: level, index: index)
                let children = tile.children
                #expect(children.first?.range.start == tile.range.start)
                #expect(children.last?.range.end == tile.range.end)
                #expect(zip(children, children.dropFirst()).allSatisfy { $0.range.end == $1.range.start })
                #expect(children.allSatisfy { $0.level == level - 1 })
            }
        }
    }

    static func randomValue(_ type: ValueType, _ rng: inout SplitMix64) -> FeatureValue {
        if rng.next() % 9 == 0 { return .null }
        switch type {
        case .int64: return .int64(Int64(rng.next() % 2001) - 1000)
        case .float64: return .float64(Double(Int64(rng.next() % 200_001) - 100_000) / 7.0)
        case .string: return .string(["a", "b", "ab", "é", ""][Int(rng.next() % 5)])
        default: return .timestamp(Timestamp(microseconds: Int64(rng.next() % 1000)))
        }
    }

    /// The brute-force definition of each function over a list of values (in time order).
    static func reference(_ function: AggregationFunction, _ values: [FeatureValue], _ type: ValueType) -> FeatureValue
    {
        let present = values.filter { !$0.isNull }
        switch function {
        case .count: return .int64(Int64(present.count))
        case .sum:
            if type == .int64 { return .int64(present.reduce(0) { $0 + ($1.int64Value ?? 0) }) }
            return .float64(present.reduce(0) { $0 + $1.numeric })
        case .avg:
            return present.isEmpty ? .null : .float64(present.reduce(0) { $0 + $1.numeric } / Double(present.count))
        case .stddev:
            guard present.count > 1 else { return .null }
            let mean = present.reduce(0) { $0 + $1.numeric } / Double(present.count)
            let squares = present.reduce(0) { $0 + ($1.numeric - mean) * ($1.numeric - mean) }
            return .float64((squares / Double(present.count - 1)).squareRoot())
        case .min: return present.min { $0.isOrdered(before: $1) } ?? .null
        case .max: return present.max { $0.isOrdered(before: $1) } ?? .null
        case .last: return present.last ?? .null
        case .countDistinct: return .int64(Int64(Set(present).count))
        }
    }

    static func close(_ a: FeatureValue, _ b: FeatureValue) -> Bool {
        if case .float64(let x) = a, case .float64(let y) = b {
            return abs(x - y) <= 1e-9 * max(1, abs(x), abs(y))
        }
        return a == b
    }

    /// Adding events one by one, or merging partials of any split, gives the reference's value.
    @Test(arguments: AggregationFunction.allCases)
    func partialsMergeToTheReference(function: AggregationFunction) {
        var rng = SplitMix64(seed: UInt64(function.rawValue.count))
        for type in [ValueType.int64, .float64, .string] where function.acceptedTypes.contains(type) {
            for _ in 0..<300 {
                let values = (0..<Int(rng.next() % 40)).map { _ in Self.randomValue(type, &rng) }
                var whole = AggregateState(function: function)
                for (time, value) in values.enumerated() { whole.add(value, time: Int64(time), created: 0) }
                var merged = AggregateState(function: function)
                var index = 0
                while index < values.count {
                    // Parts of 0 to 5 events: empty partials must merge as nothing.
                    let size = Int(rng.next() % 6)
                    var part = AggregateState(function: function)
                    for time in index..<min(values.count, index + size) {
                        part.add(values[time], time: Int64(time), created: 0)
                    }
                    merged.merge(part)
                    index += size
                }
                let expected = Self.reference(function, values, type)
                #expect(
                    Self.close(whole.result(inputType: type), expected),
                    "\(function) \(type) add: \(whole.result(inputType: type)) vs \(expected)")
                #expect(
                    Self.close(merged.result(inputType: type), expected),
                    "\(function) \(type) merge: \(merged.result(inputType: type)) vs \(expected)")
            }
        }
    }

    @Test func emptyWindows() {
        #expect(AggregateState(function: .count).result(inputType: .float64) == .int64(0))
        #expect(AggregateState(function: .sum).result(inputType: .int64) == .int64(0))
        #expect(AggregateState(function: .sum).result(inputType: .float64) == .float64(0))
        for function in [AggregationFunction.avg, .min, .max, .stddev, .last] {
            #expect(AggregateState(function: function).result(inputType: .float64) == .null)
        }
        #expect(AggregateState(function: .countDistinct).result(inputType: .string) == .int64(0))
    }
}

extension FeatureValue {
    var int64Value: Int64? { if case .int64(let v) = self { v } else { nil } }
}

@Suite struct AggregateStateBinaryTests {
    @Test(arguments: AggregationFunction.allCases)
    func roundTrips(function: AggregationFunction) {
        var rng = SplitMix64(seed: 5)
        for type in [ValueType.int64, .float64, .string] where function.acceptedTypes.contains(type) {
            for _ in 0..<100 {
                var state = AggregateState(function: function)
                for time in 0..<Int(rng.next() % 20) {
                    state.add(WindowTests.randomValue(type, &rng), time: Int64(time), created: Int64(rng.next() % 3))
                }
                var bytes: [UInt8] = []
                state.appendBinary(to: &bytes)
                let decoded = bytes.withUnsafeBytes { raw -> AggregateState? in
                    var reader = ByteReader(bytes: raw)
                    let value = AggregateState(function: function, reading: &reader)
                    return reader.isAtEnd ? value : nil
                }
                #expect(decoded == state)
                #expect(
                    bytes.dropLast().withUnsafeBytes { raw in
                        var reader = ByteReader(bytes: raw)
                        return AggregateState(function: function, reading: &reader)
                    } == nil, "a truncated encoding must not decode")
            }
        }
    }
}
