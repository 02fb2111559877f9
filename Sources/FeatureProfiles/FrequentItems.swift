// The most frequent values of a categorical feature: a Misra-Gries summary ("Finding repeated
// elements", 1982) with k = 64 counters, merged as Agarwal et al. merge them ("Mergeable
// Summaries", 2012): add the counters, then subtract the (k+1)-th largest count from all and keep
// the positive ones.
//
// Error bound (deterministic, for single summaries and merges alike): every value's estimated count
// f̂ satisfies f - (n - Σf̂)/(k+1) ≤ f̂ ≤ f, where n is the number of values summarized and Σf̂ the
// sum of the kept counters (``FrequentItems/errorBound``); so every value with a share above
// 1/(k+1) ≈ 1.5% is kept, and with at most k distinct values the counts are exact.
// `FrequentItemsTests` checks the bound against exact counts on generated skewed data, for single
// summaries and merges.
//
// Values are identified by a 64-bit hash of their bytes (``ValueHash``), and each counter keeps the
// value's text for display: a value longer than ``FrequentItems/labelLimit`` UTF-8 bytes is shown
// by its start, then `…#` and its hash in hex (its identity is still the hash of the whole value).
//
// Written by hand because no package available to fs offers one.

/// A mergeable top-k summary of categorical values (Misra-Gries, k = 64).
public struct FrequentItems: Sendable, Equatable {
    /// One kept value.
    public struct Item: Sendable, Equatable {
        public var hash: UInt64
        public var label: String
        /// A lower bound of the value's count, at most ``FrequentItems/errorBound`` below it.
        public var count: Int64
    }

    /// The number of counters.
    public static let defaultCapacity = 64
    /// The longest label kept whole, in UTF-8 bytes.
    public static let labelLimit = 256

    public let capacity: Int
    /// Values summarized (nulls excluded).
    public private(set) var total: Int64 = 0
    private(set) var counters: [UInt64: Item] = [:]

    public init(capacity: Int = FrequentItems.defaultCapacity) {
        self.capacity = max(1, capacity)
    }

    init(capacity: Int, total: Int64, items: [Item]) {
        self.capacity = capacity
        self.total = total
        for item in items { counters[item.hash] = item }
    }

    public var isEmpty: Bool { total == 0 }

    /// Counts one value, identified by `hash`; `label` is asked for only when a counter is created.
    ///
    /// Up to 2k counters are held between reductions, so a reduction (O(k log k)) happens at most
    /// once per k new values: the amortized cost per value stays small for any number of
    /// distinct values.
    @inline(__always)
    public mutating func add(hash: UInt64, label: () -> String) {
        total += 1
        if let index = counters.index(forKey: hash) {
            counters.values[index].count += 1
            return
        }
        if counters.count >= 2 * capacity { reduce() }
        counters[hash] = Item(hash: hash, label: label(), count: 1)
    }

    /// Merges `other`: a summary of the union of both inputs, within the same bound.
    public mutating func merge(_ other: FrequentItems) {
        guard !other.isEmpty else { return }
        total = total.addingReportingOverflow(other.total).overflow ? .max : total + other.total
        for (hash, item) in other.counters {
            if let index = counters.index(forKey: hash) {
                counters.values[index].count += item.count
            } else {
                counters[hash] = item
            }
        }
        reduce()
    }

    /// Keeps at most k counters: subtracts the (k+1)-th largest count from every counter and drops
    /// those left at zero or below. Each value's estimate drops by that count while at least k+1
    /// counters lose it, which is what keeps every estimate within (n - Σ counters)/(k+1) of its
    /// true count.
    public mutating func reduce() {
        guard counters.count > capacity else { return }
        var counts = counters.values.map(\.count)
        counts.sort(by: >)
        let cut = counts[capacity]
        var kept: [UInt64: Item] = [:]
        kept.reserveCapacity(2 * capacity)
        for (hash, item) in counters where item.count > cut {
            var reduced = item
            reduced.count -= cut
            kept[hash] = reduced
        }
        counters = kept
    }

    /// The kept values, most frequent first (ties by label); call ``reduce()`` first for at most k.
    public var items: [Item] {
        counters.values.sorted { $0.count != $1.count ? $0.count > $1.count : $0.label < $1.label }
    }

    /// The estimated count of the value with `hash` (0 when not kept): never above its true count,
    /// at most ``errorBound`` below.
    public func count(hash: UInt64) -> Int64 { counters[hash]?.count ?? 0 }

    /// How far below its true count any value's estimate may be: (n - Σ counters) / (k + 1).
    public var errorBound: Double {
        let kept = counters.values.reduce(Int64(0)) { $0 + $1.count }
        return Double(total - kept) / Double(capacity + 1)
    }

    /// The label of a value's UTF-8 bytes: the text itself, or its start, `…#` and `hash` in hex
    /// when longer than ``labelLimit`` bytes.
    public static func label(utf8 bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) -> String {
        guard bytes.count > labelLimit else { return String(decoding: bytes, as: UTF8.self) }
        var end = labelLimit - 24
        // Cut at the start of a character, never inside one.
        while end > 0, bytes[end] & 0xC0 == 0x80 { end -= 1 }
        let digits = String(hash, radix: 16)
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[..<end]), as: UTF8.self) + "…#"
            + String(repeating: "0", count: 16 - digits.count) + digits
    }
}
