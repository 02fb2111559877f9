import FeatureStoreCore
import Foundation

/// Deterministic test data: the same seed gives the same values on every machine.
struct Generated {
    var random: SplitMix64

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    /// Uniform in [0, 1).
    mutating func uniform() -> Double { Double(random.next() >> 11) * 0x1p-53 }

    /// Standard normal (Box-Muller).
    mutating func normal() -> Double {
        let u = max(uniform(), 0x1p-60)
        let v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    /// The kinds of data the sketches are checked on.
    enum Shape: CaseIterable {
        case uniform, normal, lognormal, fewDistinct, sortedAscending, sortedDescending, extremes
    }

    mutating func values(_ shape: Shape, count: Int) -> [Double] {
        switch shape {
        case .uniform: return (0..<count).map { _ in uniform() }
        case .normal: return (0..<count).map { _ in normal() }
        case .lognormal: return (0..<count).map { _ in exp(3 * normal()) }
        case .fewDistinct: return (0..<count).map { _ in Double(random.next() % 7) }
        case .sortedAscending: return (0..<count).map { _ in normal() }.sorted()
        case .sortedDescending: return (0..<count).map { _ in normal() }.sorted(by: >)
        case .extremes:
            return (0..<count).map { _ in
                switch random.next() % 4 {
                case 0: -Double.greatestFiniteMagnitude
                case 1: Double.greatestFiniteMagnitude
                case 2: 0
                default: normal() * 1e300
                }
            }
        }
    }
}

/// Exact ranks of a sorted array.
struct ExactRanks {
    let sorted: [Double]

    init(_ values: [Double]) { sorted = values.sorted() }

    /// The share of values at or below `x`.
    func rank(_ x: Double) -> Double {
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] <= x { low = middle + 1 } else { high = middle }
        }
        return Double(low) / Double(sorted.count)
    }

    /// The share of values strictly below `x`.
    func rankBelow(_ x: Double) -> Double {
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < x { low = middle + 1 } else { high = middle }
        }
        return Double(low) / Double(sorted.count)
    }
}
