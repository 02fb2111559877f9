import FeatureStoreCore
import Foundation
import Testing

@testable import FeatureProfiles

/// PSI and Jensen-Shannon against hand-computed values and reference figures, the epsilon policy,
/// and the behaviour that matters: a shift of one standard deviation alerts, the same distribution
/// does not.
///
/// The reference figures come from `scripts/reference/drift-reference.py` (numpy 2.4.6, scipy
/// 1.17.1: PSI from its definition with numpy, `scipy.spatial.distance.jensenshannon(p, q,
/// base=2)`, deciles by `numpy.quantile(method="inverted_cdf")`); its output is pasted below.
@Suite struct DriftTests {
    static func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-12) -> Bool { abs(a - b) <= tolerance }

    @Test func psiByHand() {
        // (0.25 - 0.5) ln(0.25 / 0.5) + (0.75 - 0.5) ln(0.75 / 0.5) = 0.25 ln 2 + 0.25 ln 1.5
        let expected = 0.25 * 0.693_147_180_559_945_3 + 0.25 * 0.405_465_108_108_164_4
        #expect(Self.close(Drift.psi(baseline: [0.5, 0.5], window: [0.25, 0.75]), expected))
        #expect(Drift.psi(baseline: [0.1, 0.9], window: [0.1, 0.9]) == 0)
        // An empty window bin counts as 0.0001: (0.0001 - 0.2) ln(0.0001 / 0.2) = 1.5202...
        let empty = Drift.psi(baseline: [0.8, 0.2], window: [1.0, 0.0])
        let byHand = (1.0 - 0.8) * log(1.0 / 0.8) + (0.0001 - 0.2) * log(0.0001 / 0.2)
        #expect(Self.close(empty, byHand))
        // Empty on both sides adds nothing.
        #expect(Drift.psi(baseline: [0.5, 0.5, 0], window: [0.5, 0.5, 0]) == 0)
    }

    @Test func jensenShannonByHand() {
        // Disjoint supports: 1 bit.
        #expect(Self.close(Drift.jensenShannonDistance([1, 0], [0, 1]), 1))
        #expect(Drift.jensenShannonDistance([0.3, 0.7], [0.3, 0.7]) == 0)
        // p = (1, 0), q = (1/2, 1/2): m = (3/4, 1/4); JS = 1/2 log2(4/3) + 1/2 (1/2 log2(2/3) + 1/2 log2 2)
        let divergence = 0.5 * log2(4.0 / 3) + 0.5 * (0.5 * log2(2.0 / 3) + 0.5 * 1)
        #expect(Self.close(Drift.jensenShannonDistance([1, 0], [0.5, 0.5]), divergence.squareRoot()))
    }

    /// Pasted from scripts/reference/drift-reference.py, "# fixed share vectors".
    @Test(arguments: [
        ([0.5, 0.5], [0.25, 0.75], 0.2746530721670274, 0.22089576884901735),
        ([0.2, 0.3, 0.5], [0.1, 0.4, 0.5], 0.09808292530117263, 0.13200673194893733),
        ([0.5, 0.3, 0.2], [0.6, 0.4, 0.0], 1.566420764587036, 0.32932284475220647),
        ([0.5, 0.5, 0.0], [0.5, 0.4, 0.1], 0.7123991075017365, 0.23241293654355824),
        ([Double](repeating: 0.1, count: 10), [Double](repeating: 0.1, count: 10), 0.0, 0.0),
    ])
    func shareVectorsMatchTheReference(p: [Double], q: [Double], psi: Double, js: Double) {
        #expect(Self.close(Drift.psi(baseline: p, window: q), psi))
        #expect(Self.close(Drift.jensenShannonDistance(p, q), js))
    }

    static func profile(_ values: [Double]) -> FeatureProfile {
        var profile = FeatureProfile(type: .float64)
        for value in values { profile.add(value) }
        return profile
    }

    /// Pasted from scripts/reference/drift-reference.py, "# decile bins on fixed data": 150 values
    /// a side, so the sketches hold every value and the figures agree to rounding.
    @Test func decileBinsMatchTheReference() throws {
        let n = 150
        let grid = (0..<n).map { (Double($0) + 0.5) / Double(n) }
        let cases: [([Double], Double, Double)] = [
            (grid.map { pow($0, 1.5) }, 0.13395580930584913, 0.15415029228375499),
            (grid.map { $0 + 0.05 }, 0.06344448356660462, 0.1060092164404161),
            (grid.reversed(), 0.0, 0.0),
        ]
        for (window, psi, js) in cases {
            let drift = try #require(try Drift.measure(baseline: Self.profile(grid), window: Self.profile(window)))
            #expect(drift.method == .deciles)
            #expect(drift.bins.count == 10)
            #expect(Self.close(drift.psi, psi, 1e-9), "psi \(drift.psi), reference \(psi)")
            #expect(Self.close(drift.jensenShannon, js, 1e-9), "js \(drift.jensenShannon), reference \(js)")
        }
    }

    /// Pasted from scripts/reference/drift-reference.py, "# categories".
    @Test func categoriesMatchTheReference() throws {
        var baseline = FeatureProfile(type: .string)
        var window = FeatureProfile(type: .string)
        for (value, count) in [("a", 50), ("b", 30), ("c", 20)] {
            for _ in 0..<count { baseline.add(.string(value)) }
        }
        for (value, count) in [("a", 20), ("b", 30), ("c", 40), ("d", 10)] {
            for _ in 0..<count { window.add(.string(value)) }
        }
        window.add(.null)  // nulls are not in the bins
        let drift = try #require(try Drift.measure(baseline: baseline, window: window))
        #expect(drift.method == .topK)
        #expect(drift.bins.map(\.label) == ["a", "b", "c", "other"])
        #expect(Self.close(drift.psi, 1.103601408044551, 1e-9))
        #expect(Self.close(drift.jensenShannon, 0.34988433915414435, 1e-9))
    }

    static func normalProfile(seed: UInt64, shift: Double, count: Int = 100_000) -> FeatureProfile {
        var data = Generated(seed: seed)
        var profile = FeatureProfile(type: .float64)
        for _ in 0..<count { profile.add(data.normal() + shift) }
        return profile
    }

    @Test func aShiftOfOneStandardDeviationAlertsAndTheSameDistributionDoesNot() throws {
        for seed in UInt64(1)...5 {
            let baseline = Self.normalProfile(seed: seed, shift: 0)
            let same = try #require(
                try Drift.measure(baseline: baseline, window: Self.normalProfile(seed: seed + 100, shift: 0)))
            let shifted = try #require(
                try Drift.measure(baseline: baseline, window: Self.normalProfile(seed: seed + 200, shift: 1)))
            #expect(same.psi < 0.1, "seed \(seed): same distribution, psi \(same.psi)")
            #expect(shifted.psi > 0.25, "seed \(seed): shifted by 1 sd, psi \(shifted.psi)")
            #expect(DriftThresholds().status(psi: same.psi) == .ok)
            #expect(DriftThresholds().status(psi: shifted.psi) == .alert)
            #expect(same.jensenShannon < shifted.jensenShannon)
            // The exact PSI of N(1,1) against N(0,1) over N(0,1)'s deciles is about 1.0.
            #expect(shifted.psi > 0.8 && shifted.psi < 1.3, "seed \(seed): psi \(shifted.psi)")
        }
    }

    @Test func fewDistinctValuesGiveFewerBins() throws {
        let baseline = Self.profile((0..<1000).map { Double($0 % 2) })
        let window = Self.profile((0..<1000).map { $0 % 4 == 0 ? 1 : 0 })
        let drift = try #require(try Drift.measure(baseline: baseline, window: window))
        // Deciles 0 (five times) and 1 (four times): bins <= 0, (0, 1] and > 1 (empty on both sides).
        #expect(drift.bins.map(\.label) == ["<= 0.0", "(0.0, 1.0]", "> 1.0"])
        let bound = QuantileSketch.rankErrorBound
        #expect(abs(drift.bins[0].baseline - 0.5) <= bound && abs(drift.bins[0].window - 0.75) <= bound)
        #expect(drift.bins[2].baseline == 0 && drift.bins[2].window == 0)
    }

    @Test func emptySidesAndMismatchedKinds() throws {
        #expect(try Drift.measure(baseline: FeatureProfile(type: .float64), window: Self.profile([1])) == nil)
        #expect(try Drift.measure(baseline: Self.profile([1]), window: FeatureProfile(type: .float64)) == nil)
        #expect(throws: FeatureStoreError.self) {
            try Drift.measure(baseline: Self.profile([1]), window: FeatureProfile(type: .string))
        }
        // int64 against float64 compares (both are numbers).
        var integers = FeatureProfile(type: .int64)
        integers.add(integer: 1)
        #expect(try Drift.measure(baseline: Self.profile([1]), window: integers) != nil)
    }

    @Test func rulesParseAndFire() throws {
        #expect(try DriftRule.parse("psi>0.25") == DriftRule(metric: .psi, comparison: .greater, threshold: 0.25))
        #expect(
            try DriftRule.parse(" js >= 0.1 ") == DriftRule(metric: .js, comparison: .greaterOrEqual, threshold: 0.1))
        #expect(try DriftRule.parseList("psi>0.25, null_ratio>0.5").count == 2)
        #expect(try DriftRule.parse("psi>0.25").fires(0.26))
        #expect(try !DriftRule.parse("psi>0.25").fires(0.25))
        #expect(try DriftRule.parse("psi>=0.25").fires(0.25))
        for bad in ["psy>0.2", "psi<0.2", "psi>", "psi>abc", "psi>inf", "psi>-1", ""] {
            #expect(throws: FeatureStoreError.self, "\(bad)") { try DriftRule.parseList(bad) }
        }
        do {
            _ = try DriftRule.parse("psy>0.2")
        } catch let error as FeatureStoreError {
            #expect(error.message.contains("Did you mean 'psi'?"))
        }
    }
}
