import FeatureRegistry
import FeatureStoreCore
import Foundation
import Testing

/// The registry's record of materialization runs: newest first, bounded per view, kept across
/// reopenings (so CLI runs and server runs show together and survive restarts); the same for every
/// backend.
@Suite struct RegistryRunsTests {
    static func run(_ views: [String], at second: Int64, error: String? = nil, written: Int = 1) -> MaterializationRun {
        MaterializationRun(
            mode: .incremental, trigger: .scheduled, startedAt: Timestamp(seconds: second), seconds: 0.5,
            views: views.map {
                MaterializationRun.ViewRun(view: $0, rowsScanned: written * 2, rowsWritten: written, seconds: 0.25)
            },
            error: error)
    }

    @Test(arguments: RegistryBackend.allCases) func runsReadBackNewestFirstWithTheirViewsAndErrors(
        backend: RegistryBackend
    ) async throws {
        try await withRegistry(backend) { fixture in
            let registry = fixture.registry
            let first = try registry.recordRun(Self.run(["b", "a"], at: 10, written: 3))
            let second = try registry.recordRun(Self.run(["b"], at: 20, error: "boom <script>", written: 0))
            #expect(second > first)
            let runs = try registry.runs(limit: 10)
            #expect(runs.map(\.id) == [second, first])
            #expect(runs[0].error == "boom <script>")
            #expect(!runs[0].succeeded)
            #expect(runs[1].views.map(\.view) == ["a", "b"])
            #expect(runs[1].error == nil)
            #expect(runs[1].rowsWritten == 6)
            #expect(runs[1].rowsScanned == 12)
            #expect(runs[1].startedAt == Timestamp(seconds: 10))
            #expect(runs[1].seconds == 0.5)
            #expect(runs[1].views[0].seconds == 0.25)
            #expect(runs[1].mode == .incremental)
            #expect(runs[1].trigger == .scheduled)
            #expect(try registry.runs(view: "a", limit: 10).map(\.id) == [first])
            // Another process (a CLI run, a restarted server) reads the same history.
            let reopened = try fixture.reopen()
            #expect(try reopened.runs(limit: 10) == runs)
            #expect(try reopened.runs(limit: 1).map(\.id) == [second])
        }
    }

    @Test(arguments: RegistryBackend.allCases) func eachViewKeepsItsLastRunsOnly(backend: RegistryBackend) async throws
    {
        try await withRegistry(backend) { fixture in
            let registry = fixture.registry
            // "busy" runs 7 times, "quiet" once (with the first run): the bound is per view.
            var ids: [Int64] = []
            for second in 0..<7 {
                ids.append(
                    try registry.recordRun(
                        Self.run(second == 0 ? ["busy", "quiet"] : ["busy"], at: Int64(second)), keep: 3))
            }
            #expect(try registry.runs(view: "busy", limit: 100).map(\.id) == Array(ids.suffix(3).reversed()))
            #expect(try registry.runs(view: "quiet", limit: 100).map(\.id) == [ids[0]])
            // The first run stays (for "quiet") with only the view that still keeps it.
            let all = try registry.runs(limit: 100)
            #expect(all.map(\.id) == Array(ids.suffix(3).reversed()) + [ids[0]])
            #expect(all.last?.views.map(\.view) == ["quiet"])
        }
    }

    @Test(arguments: RegistryBackend.allCases) func theDefaultBoundIsAHundredRunsPerView(
        backend: RegistryBackend
    ) async throws {
        try await withRegistry(backend) { fixture in
            let registry = fixture.registry
            for second in 0..<(Registry.runsKeptPerView + 5) {
                try registry.recordRun(Self.run(["v"], at: Int64(second)))
            }
            let runs = try registry.runs(view: "v", limit: 1000)
            #expect(runs.count == Registry.runsKeptPerView)
            #expect(runs.first?.startedAt == Timestamp(seconds: Int64(Registry.runsKeptPerView + 4)))
            #expect(runs.last?.startedAt == Timestamp(seconds: 5))
        }
    }
}
