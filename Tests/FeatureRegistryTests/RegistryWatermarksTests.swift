import FeatureRegistry
import FeatureStoreCore
import Testing

/// Materialization watermarks: per view and generation, only forward, never past `now`, dropped
/// with their view; the same for every backend.
@Suite struct RegistryWatermarksTests {
    static func advance(_ view: String, generation: Int64 = 1, to second: Int64, arrival: Int64?) -> WatermarkAdvance {
        WatermarkAdvance(view: view, generation: generation, to: Timestamp(seconds: second), arrival: arrival)
    }

    @Test(arguments: RegistryBackend.allCases) func watermarksMoveOnlyForwardAndNeverPastNow(
        backend: RegistryBackend
    ) async throws {
        try await withRegistry(backend) { fixture in
            let registry = fixture.registry
            _ = try registry.apply(
                try RegistryTests.definitions(), project: "p", allowBreaking: false, now: Timestamp(seconds: 1))
            let snapshot = try registry.snapshot()
            try registry.advanceWatermarks(
                [Self.advance("driver_stats", to: 100, arrival: 7), Self.advance("fares", to: 50, arrival: nil)],
                now: Timestamp(seconds: 1000))
            var marks = try registry.watermarks(for: snapshot)
            #expect(marks["driver_stats"]?.watermark == Timestamp(seconds: 100))
            #expect(marks["driver_stats"]?.arrival == 7)
            #expect(marks["driver_stats"]?.updatedAt == Timestamp(seconds: 1000))
            #expect(marks["fares"]?.arrival == 0)
            // Backwards is ignored; a nil arrival keeps the mark; the future is brought back to now.
            try registry.advanceWatermarks(
                [Self.advance("driver_stats", to: 60, arrival: nil), Self.advance("fares", to: 5000, arrival: 3)],
                now: Timestamp(seconds: 2000))
            marks = try fixture.reopen().watermarks(for: snapshot)
            #expect(marks["driver_stats"]?.watermark == Timestamp(seconds: 100))
            #expect(marks["driver_stats"]?.arrival == 7)
            #expect(marks["driver_stats"]?.updatedAt == Timestamp(seconds: 2000))
            #expect(marks["fares"]?.watermark == Timestamp(seconds: 2000))
            #expect(marks["fares"]?.arrival == 3)
            // A watermark of another generation is not the view's; one of an unknown view is dropped.
            try registry.advanceWatermarks(
                [Self.advance("fares", generation: 2, to: 9, arrival: 1), Self.advance("gone", to: 9, arrival: 1)],
                now: Timestamp(seconds: 3000))
            marks = try registry.watermarks(for: snapshot)
            #expect(marks["fares"]?.generation == 1)
            #expect(Set(marks.keys) == ["driver_stats", "fares"])
            #expect(
                try fixture.dump().filter { $0.hasPrefix("materialization_watermarks") && $0.contains("gone") }.isEmpty)
        }
    }
}
