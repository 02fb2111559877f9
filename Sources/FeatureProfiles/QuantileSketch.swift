// A KLL quantile sketch (Karnin, Lang and Liberty, "Optimal Quantile Approximation in Streams",
// FOCS 2016), laid out as Apache DataSketches' `KllDoublesSketch` lays it out: levels of items,
// level h weighing 2^h, level capacities k·(2/3)^depth (at least 8), lazy compaction of the lowest
// level at capacity with a random offset, and merge by level-wise concatenation then compaction.
//
// Error bound: with the default k = 200, the normalized rank error of any rank or quantile query is
// at most 1.65% with 99% confidence (DataSketches' published figure for k = 200, double-sided);
// `QuantileSketchTests` checks it against exact ranks on generated data over many seeds, for
// single sketches and for merges of many (a merge is a sketch of the union within the same bound).
// Memory: at most about 3k items (≈ 600 for k = 200) whatever the number of values.
//
// Written by hand because no package available to fs offers a quantile sketch. The compaction
// coin comes from a SplitMix64 stream kept in the sketch, so the same values in the same order give
// the same sketch on every machine.

/// A mergeable quantile sketch of finite doubles (KLL, k = 200 by default: rank error ≤ 1.65%).
public struct QuantileSketch: Sendable, Equatable {
    /// The default accuracy parameter: normalized rank error ≤ 1.65% (99% confidence).
    public static let defaultK = 200
    /// The documented normalized rank error of ``defaultK`` (99% confidence).
    public static let rankErrorBound = 0.0165
    /// The smallest capacity of a level.
    static let minimumLevelCapacity = 8
    /// The accepted range of `k` (decoding refuses others).
    static let kRange = 8...65_535

    /// The accuracy parameter.
    public let k: Int
    /// Values added (the total weight of the retained items).
    public private(set) var count: Int64 = 0
    /// Level 0 is unsorted; every higher level is sorted ascending. Items of level h weigh 2^h.
    private(set) var levels: [[Double]] = [[]]
    /// Items held in all levels.
    private(set) var retained = 0
    /// The sum of the level capacities for the current number of levels.
    private var capacity: Int
    /// The state of the compaction coin (SplitMix64).
    private(set) var coin: UInt64

    public init(k: Int = QuantileSketch.defaultK, seed: UInt64 = 0x5EED_0F_5EED) {
        self.k = min(max(k, Self.kRange.lowerBound), Self.kRange.upperBound)
        self.coin = seed
        self.capacity = Self.levelCapacity(k: self.k, levelCount: 1, level: 0)
    }

    /// Restores a decoded sketch (``init(reading:)`` checks the parts first).
    init(k: Int, count: Int64, levels: [[Double]], coin: UInt64) {
        self.k = k
        self.count = count
        self.levels = levels.isEmpty ? [[]] : levels
        self.retained = self.levels.reduce(0) { $0 + $1.count }
        self.coin = coin
        self.capacity = Self.totalCapacity(k: k, levelCount: self.levels.count)
    }

    public var isEmpty: Bool { count == 0 }

    /// Adds a finite value (the caller counts NaN and infinities elsewhere).
    @inline(__always)
    public mutating func add(_ value: Double) {
        levels[0].append(value)
        retained += 1
        count += 1
        if retained >= capacity { compactLowestFullLevel() }
    }

    /// Merges `other` into this sketch: the result answers for the union of both inputs within the
    /// same error bound.
    public mutating func merge(_ other: QuantileSketch) {
        guard !other.isEmpty else { return }
        while levels.count < other.levels.count { levels.append([]) }
        for (level, items) in other.levels.enumerated() where !items.isEmpty {
            if level == 0 {
                levels[0].append(contentsOf: items)
            } else {
                levels[level] = Self.mergeSorted(levels[level], items)
            }
        }
        retained += other.retained
        count = count.addingReportingOverflow(other.count).overflow ? .max : count + other.count
        capacity = Self.totalCapacity(k: k, levelCount: levels.count)
        while retained > capacity { compactLowestFullLevel() }
    }

    /// The items and their cumulative weights, sorted: what rank and quantile queries read.
    public func sortedView() -> SortedView { SortedView(self) }

    /// The fraction of values at or below `value` (within ``rankErrorBound``); `nil` when empty.
    public func rank(_ value: Double) -> Double? { isEmpty ? nil : sortedView().rank(value) }

    /// The smallest retained value whose rank reaches `fraction` (0...1); `nil` when empty.
    public func quantile(_ fraction: Double) -> Double? { isEmpty ? nil : sortedView().quantile(fraction) }

    // MARK: Compaction

    private mutating func compactLowestFullLevel() {
        let count = levels.count
        var level = 0
        while level < count - 1, levels[level].count < Self.levelCapacity(k: k, levelCount: count, level: level) {
            level += 1
        }
        compact(level: level)
    }

    /// Halves level `level` into the one above: sorts it, keeps one item back when the count is
    /// odd, and promotes every other item from a random offset (each promoted item weighs double,
    /// so the total weight is unchanged).
    private mutating func compact(level: Int) {
        if level + 1 == levels.count {
            levels.append([])
            capacity = Self.totalCapacity(k: k, levelCount: levels.count)
        }
        var items: [Double] = []
        swap(&items, &levels[level])
        if level == 0 { items.sort() }
        var start = 0
        if items.count % 2 == 1 {
            levels[level].append(items[0])
            start = 1
        }
        let offset = start + Int(nextCoin() & 1)
        var promoted: [Double] = []
        promoted.reserveCapacity((items.count - start) / 2)
        var index = offset
        while index < items.count {
            promoted.append(items[index])
            index += 2
        }
        retained -= promoted.count
        levels[level + 1] = Self.mergeSorted(levels[level + 1], promoted)
    }

    private mutating func nextCoin() -> UInt64 {
        coin &+= 0x9E37_79B9_7F4A_7C15
        var z = coin
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func mergeSorted(_ a: [Double], _ b: [Double]) -> [Double] {
        if a.isEmpty { return b }
        if b.isEmpty { return a }
        var result: [Double] = []
        result.reserveCapacity(a.count + b.count)
        var i = 0
        var j = 0
        while i < a.count, j < b.count {
            if a[i] <= b[j] {
                result.append(a[i])
                i += 1
            } else {
                result.append(b[j])
                j += 1
            }
        }
        result.append(contentsOf: a[i...])
        result.append(contentsOf: b[j...])
        return result
    }

    /// (2/3)^depth for every depth a sketch can reach (it has at most 64 levels).
    private static let shrink: [Double] = (0..<70).map { depth in
        var value = 1.0
        for _ in 0..<depth { value *= 2.0 / 3.0 }
        return value
    }

    static func levelCapacity(k: Int, levelCount: Int, level: Int) -> Int {
        let depth = min(levelCount - level - 1, shrink.count - 1)
        return max(minimumLevelCapacity, Int((Double(k) * shrink[depth]).rounded()))
    }

    static func totalCapacity(k: Int, levelCount: Int) -> Int {
        (0..<levelCount).reduce(0) { $0 + levelCapacity(k: k, levelCount: levelCount, level: $1) }
    }
}

extension QuantileSketch {
    /// The retained items sorted by value, each with the total weight of the items up to it.
    public struct SortedView: Sendable {
        public let values: [Double]
        /// `cumulative[i]`: the weight of items `0...i`.
        public let cumulative: [Int64]
        public let total: Int64

        init(_ sketch: QuantileSketch) {
            var pairs: [(Double, Int64)] = []
            pairs.reserveCapacity(sketch.retained)
            for (level, items) in sketch.levels.enumerated() {
                let weight = Int64(1) << Int64(level)
                for item in items { pairs.append((item, weight)) }
            }
            pairs.sort { $0.0 < $1.0 }
            values = pairs.map(\.0)
            var running: Int64 = 0
            cumulative = pairs.map {
                running += $0.1
                return running
            }
            total = running
        }

        /// The fraction of the weight on items at or below `value`.
        public func rank(_ value: Double) -> Double {
            guard total > 0 else { return 0 }
            // The number of items <= value.
            var low = 0
            var high = values.count
            while low < high {
                let middle = (low + high) / 2
                if values[middle] <= value { low = middle + 1 } else { high = middle }
            }
            return low == 0 ? 0 : Double(cumulative[low - 1]) / Double(total)
        }

        /// The first item whose cumulative weight reaches `fraction` of the total.
        public func quantile(_ fraction: Double) -> Double {
            let target = Swift.min(Swift.max(fraction, 0), 1) * Double(total)
            var low = 0
            var high = values.count - 1
            while low < high {
                let middle = (low + high) / 2
                if Double(cumulative[middle]) >= target { high = middle } else { low = middle + 1 }
            }
            return values[low]
        }
    }
}
