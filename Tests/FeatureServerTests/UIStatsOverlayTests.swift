import FeatureStoreKit
import Foundation
import HummingbirdTesting
import Testing

@testable import FeatureServer

/// The stats page overlays a feature's served profile (`ProfileSource.served(service:)`) on its
/// offline one when a service logged it.
@Suite struct UIStatsOverlayTests {
    static let page = "/ui/stats/driver_hourly_stats/conv_rate"

    @Test func withoutServedProfilesThePageShowsTheOfflineOneAlone() async throws {
        let fixture = try await ServerFixture.make(withStats: true)
        try await fixture.test { client in
            let (status, text) = try await UIRouteTests.page(client, Self.page)
            #expect(status == 200)
            #expect(text.contains(#"aria-label="histogram""#))
            #expect(!text.contains("offline and served"))
            #expect(!text.contains("<th>served</th>"))
            #expect(text.contains("Served: none logged"))
        }
    }

    @Test func aServedProfileIsOverlaid() async throws {
        let fixture = try await ServerFixture.make(
            withStats: true,
            beforeOpening: { repo in
                // What the log flush writes: hourly served profiles of the service's features.
                let store = try FeatureStore(repo: repo, clock: { ServerFixture.now })
                var profiles = ProfileAccumulator(bucketLength: ProfileBuckets.hour)
                let feature = ProfiledFeature(view: "driver_hourly_stats", feature: "conv_rate")
                for index in 0..<100 {
                    profiles.add(
                        .float64(0.9 + Double(index) / 1000), type: .float64, to: feature,
                        at: ServerFixture.now - .hours(1))
                }
                try store.offlineStore().mergeProfiles(
                    profiles, into: .served(service: "driver_activity"), now: ServerFixture.now)
            })
        try await fixture.test { client in
            let (status, text) = try await UIRouteTests.page(client, Self.page)
            #expect(status == 200)
            #expect(text.contains(#"aria-label="offline and served histogram""#), "\(text)")
            #expect(text.contains("served logs of &#39;driver_activity&#39;"))
            #expect(text.contains("<th>offline</th><th>served</th>"))
            // Offline: three rows; served: a hundred, all above the offline maximum.
            #expect(text.contains("<tr><th>count</th><td>3</td><td>100</td></tr>"), "\(text)")
            #expect(text.contains("above 0.7: offline 0.0%, served 100.0%"))
        }
    }

    /// A profile overlaid on itself puts the same share in every bin; shares always sum to one.
    @Test func binsOfAProfileAgainstItselfMatch() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            var offline = FeatureProfile(type: .float64)
            var served = FeatureProfile(type: .float64)
            let shift = Double.random(in: -2...2, using: &generator)
            for _ in 0..<500 {
                let value = Double.random(in: 0...10, using: &generator)
                offline.add(value)
                served.add(value + shift)
            }
            let same = UIStatsOverlay.bins(offline: ProfileSummary(offline), served: ProfileSummary(offline))
            for bin in same { #expect(abs(bin.offline - bin.served) < 1e-9, "\(bin)") }
            let shifted = UIStatsOverlay.bins(offline: ProfileSummary(offline), served: ProfileSummary(served))
            #expect(abs(shifted.reduce(0) { $0 + $1.served } - 1) < 1e-9)
            #expect(abs(shifted.reduce(0) { $0 + $1.offline } - 1) < 1e-9)
            #expect(shifted.allSatisfy { $0.served >= 0 && $0.offline >= 0 })
        }
    }
}
