import FeatureStoreCore
import Foundation
import Testing

@testable import FeatureProfiles

/// The Misra-Gries summary against exact counts: no estimate above the true count, none more than
/// the error bound (n - Σ counters)/(k + 1) below it, every value above n/(k + 1) kept; the same
/// for merges of many parts.
@Suite struct FrequentItemsTests {
    /// Skewed data: value i with weight about 1/i^s over `distinct` values.
    static func zipf(count: Int, distinct: Int, exponent: Double, seed: UInt64) -> [Int] {
        var data = Generated(seed: seed)
        var cumulative: [Double] = []
        var total = 0.0
        for rank in 1...distinct {
            total += 1 / pow(Double(rank), exponent)
            cumulative.append(total)
        }
        return (0..<count).map { _ in
            let target = data.uniform() * total
            var low = 0
            var high = distinct - 1
            while low < high {
                let middle = (low + high) / 2
                if cumulative[middle] >= target { high = middle } else { low = middle + 1 }
            }
            return low
        }
    }

    static func add(_ value: Int, to summary: inout FrequentItems) {
        var text = "v\(value)"
        text.withUTF8 { bytes in
            let hash = ValueHash.bytes(bytes)
            summary.add(hash: hash) { FrequentItems.label(utf8: bytes, hash: hash) }
        }
    }

    static func check(_ summary: FrequentItems, against values: [Int], _ context: String) {
        var exact: [Int: Int64] = [:]
        for value in values { exact[value, default: 0] += 1 }
        let n = Double(values.count)
        var reduced = summary
        reduced.reduce()
        #expect(reduced.items.count <= reduced.capacity)
        #expect(reduced.total == Int64(values.count))
        let bound = reduced.errorBound
        #expect(bound <= n / Double(reduced.capacity + 1) + 1e-9, "\(context): bound \(bound)")
        for (value, count) in exact {
            var text = "v\(value)"
            let hash = text.withUTF8 { ValueHash.bytes($0) }
            let estimate = reduced.count(hash: hash)
            #expect(estimate <= count, "\(context): v\(value) estimated \(estimate) above its count \(count)")
            #expect(
                Double(count - estimate) <= bound + 1e-9,
                "\(context): v\(value) estimated \(estimate), count \(count), bound \(bound)")
            if Double(count) > n / Double(reduced.capacity + 1) {
                #expect(estimate > 0, "\(context): frequent value v\(value) (\(count)) was dropped")
            }
        }
        for item in reduced.items {
            #expect(item.label.hasPrefix("v"))
        }
    }

    @Test(arguments: [0.6, 1.0, 1.5])
    func singleSummariesKeepTheirGuarantees(exponent: Double) {
        for seed in UInt64(1)...5 {
            let values = Self.zipf(count: 50_000, distinct: 5_000, exponent: exponent, seed: seed)
            var summary = FrequentItems()
            for value in values { Self.add(value, to: &summary) }
            Self.check(summary, against: values, "exponent \(exponent), seed \(seed)")
        }
    }

    @Test(arguments: [0.6, 1.0, 1.5])
    func mergesKeepTheGuaranteesOfTheUnion(exponent: Double) {
        for seed in UInt64(1)...4 {
            let values = Self.zipf(count: 50_000, distinct: 5_000, exponent: exponent, seed: seed &+ 100)
            var parts = [FrequentItems](repeating: FrequentItems(), count: 9)
            var random = SplitMix64(seed: seed)
            for value in values { Self.add(value, to: &parts[Int(random.next() % 9)]) }
            var merged = FrequentItems()
            for part in parts { merged.merge(part) }
            Self.check(merged, against: values, "merged, exponent \(exponent), seed \(seed)")
        }
    }

    @Test func fewDistinctValuesAreCountedExactly() {
        var summary = FrequentItems()
        var exact: [Int: Int64] = [:]
        var random = SplitMix64(seed: 5)
        for _ in 0..<10_000 {
            let value = Int(random.next() % 40)
            exact[value, default: 0] += 1
            Self.add(value, to: &summary)
        }
        #expect(summary.errorBound == 0)
        for (value, count) in exact {
            var text = "v\(value)"
            #expect(summary.count(hash: text.withUTF8 { ValueHash.bytes($0) }) == count)
        }
    }

    @Test func longValuesAreLabelledByTheirStartAndHash() {
        let long = String(repeating: "é", count: 300)  // 600 bytes, two per character
        var text = long
        text.withUTF8 { bytes in
            let hash = ValueHash.bytes(bytes)
            let label = FrequentItems.label(utf8: bytes, hash: hash)
            #expect(label.hasPrefix(String(repeating: "é", count: 116)))
            #expect(label.contains("…#"))
            #expect(label.hasSuffix(String(hash, radix: 16)))
            #expect(label.utf8.count < 260)
        }
        var short = "short"
        short.withUTF8 { #expect(FrequentItems.label(utf8: $0, hash: 1) == "short") }
    }
}
