import FeatureStoreCore
import Testing

/// How many tiles an online read merges: ``TileLevels/decompose(_:)`` against an independent count,
/// and the worst alignment of every window the validator allows.
@Suite struct TileCountTests {
    static let minute: Int64 = 60_000_000
    /// Level lengths in minutes.
    static let levels: [Int64] = TileLevels.lengths.map { $0 / minute }

    /// Tiles that cover `length` minutes from (or to) a boundary of level `top` with levels below
    /// it: the digits of `length` in the mixed radix of those levels.
    static func digitSum(_ length: Int64, below top: Int) -> Int {
        var rest = length
        var sum = 0
        for level in (0..<top).reversed() {
            sum += Int(rest / levels[level])
            rest %= levels[level]
        }
        return sum
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// The tiles of the minute-aligned window `[start, end)` (in minutes): the climb to the first
    /// boundary of the coarsest level with a whole tile inside, that level's tiles, the descent.
    static func expectedTiles(start: Int64, end: Int64) -> Int {
        for top in levels.indices.reversed() {
            let length = levels[top]
            let first = -floorDiv(-start, length) * length
            let last = floorDiv(end, length) * length
            if first < last {
                return digitSum(first - start, below: top) + Int((last - first) / length)
                    + digitSum(end - last, below: top)
            }
        }
        return 0
    }

    /// An upper bound on the tiles of any window of at most `window` minutes: the most tiles a climb
    /// and a descent can add to whole tiles of a top level within that length (a level is the top
    /// only when the window holds no whole tile of the next, so is shorter than two of them).
    static func bound(window: Int64) -> Int {
        var best = 0
        for top in levels.indices {
            let length = levels[top]
            let span = top == levels.count - 1 ? window : min(window, 2 * levels[top + 1] - 1)
            let digits = (0..<length).map { digitSum($0, below: top) }
            var prefixMax = digits
            for index in prefixMax.indices.dropFirst() { prefixMax[index] = max(prefixMax[index - 1], digits[index]) }
            var whole: Int64 = 1
            while whole * length <= span {
                let budget = span - whole * length
                var climbAndDescent = 0
                for climb in 0...min(budget, length - 1) {
                    let descent = prefixMax[Int(min(budget - climb, length - 1))]
                    climbAndDescent = max(climbAndDescent, digits[Int(climb)] + descent)
                }
                best = max(best, climbAndDescent + Int(whole))
                whole += 1
            }
        }
        return best
    }

    @Test(arguments: 0..<8)
    func decompositionCountsMatchTheIndependentCount(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let minute = Self.minute
        let day: Int64 = 1440 * minute
        for _ in 0..<400 {
            let start =
                rng.next() % 3 == 0
                ? (Int64(rng.next() % 20_000) - 10_000) * 28 * day + [Int64(1), -1, 0, 61][Int(rng.next() % 4)] * minute
                : Int64(rng.next() % 4_000_000_000_000_000) - 2_000_000_000_000_000
            let length = Int64(rng.next() % UInt64(DurationLimits.window.microseconds + 1))
            let range = WindowRange(start: Timestamp(microseconds: start), end: Timestamp(microseconds: start + length))
            // Tiles cover the whole minutes inside; the edges (raw events) the rest.
            let first = -Self.floorDiv(-start, minute)
            let last = Self.floorDiv(start + length, minute)
            let expected = first < last ? Self.expectedTiles(start: first, end: last) : 0
            #expect(TileLevels.decompose(range).tiles.count == expected, "\(range)")
        }
    }

    /// The bound the docs state: every window up to the longest allowed reads at most 75 tiles,
    /// every window up to 7 days at most 51; and the worst case is reached.
    @Test func everySupportedWindowReadsABoundedNumberOfTiles() {
        let longest = DurationLimits.window.microseconds / Self.minute
        #expect(Self.bound(window: longest) == 75)
        #expect(Self.bound(window: 7 * 1440) == 51)
        // Reached: climb 28d - 1m (32 tiles), 11 whole 28-day tiles, descend 28d - 1m (32 tiles).
        let top = Self.levels[Self.levels.count - 1]
        let start = top * 1000 + 1
        let end = start + (top - 1) + 11 * top + (top - 1)
        #expect(end - start <= longest)
        let range = WindowRange(
            start: Timestamp(microseconds: start * Self.minute), end: Timestamp(microseconds: end * Self.minute))
        #expect(TileLevels.decompose(range).tiles.count == 75)
    }

    /// Windows of whole days (the usual ones), at every alignment to the minute and with a
    /// sub-minute start (whose whole minutes are one fewer).
    @Test(arguments: [1, 7, 30, 365, 366])
    func wholeDayWindowsAtEveryAlignment(days: Int64) {
        let top = Self.levels[Self.levels.count - 1]
        var worst = 0
        for start in 0..<top {
            for length in [days * 1440, days * 1440 - 1] {
                worst = max(worst, Self.expectedTiles(start: start, end: start + length))
            }
        }
        #expect(worst <= 47, "\(days)d: \(worst) tiles")
        if days <= 7 { #expect(worst <= 30) }
    }
}
