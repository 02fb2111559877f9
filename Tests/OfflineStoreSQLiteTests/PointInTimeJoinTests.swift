import FeatureStoreCore
import Foundation
import OfflineStoreSQLite
import Testing

/// The point-in-time join against a brute-force reference, cell by cell, over many random seeds.
@Suite struct PointInTimeJoinTests {
    @Test(arguments: 0..<48)
    func matchesReference(seed: Int) throws {
        let scenario = JoinScenario(seed: UInt64(seed))
        let directory = TestDirectory("join")
        let actual = try scenario.run(in: directory)
        let expected = scenario.expected()
        #expect(actual.count == expected.count, "seed \(seed): row count")
        for (index, (got, want)) in zip(actual, expected).enumerated() {
            #expect(
                got == want, "seed \(seed) (\(scenario.keyKind), in place: \(scenario.inPlace)), output row \(index)")
        }
    }

    @Test func scenariosCoverTheEdgeCases() {
        // The generator must produce the cases the reference comparison is meant to exercise.
        var kinds = Set<String>()
        var zeroTTL = false
        var duplicates = false
        var bases = Set<Timestamp>()
        for seed in 0..<48 {
            let scenario = JoinScenario(seed: UInt64(seed))
            bases.insert(scenario.base)
            kinds.insert("\(scenario.keyKind)")
            zeroTTL = zeroTTL || scenario.definitions.featureViews.contains { $0.ttl == .zero }
            duplicates = duplicates || zip(scenario.spine, scenario.spine.dropFirst()).contains { $0 == $1 }
        }
        #expect(kinds.count == 3)
        #expect(zeroTTL)
        #expect(duplicates)
        // Years 0001 and 9999 as well as today, written with zone offsets and fractions.
        #expect(bases.count == 3)
        #expect(
            JoinScenario(seed: 3).tables[0].rows.contains { $0[JoinScenario(seed: 3).keyNames.count].contains("+") })
    }
}
