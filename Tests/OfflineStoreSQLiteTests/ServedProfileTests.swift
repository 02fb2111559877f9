import FeatureProfiles
import FeatureStoreCore
import Foundation
import OfflineStoreSQLite
import Testing

/// Served profiles are written with the log: after any sequence of batches, each (feature, hour)
/// profile equals the profile of the logged values as they read back from the log (NaN stored as
/// null, -0.0 as 0.0), merged batch by batch in the same order, and a prune drops the profiles of
/// the days it deletes. On both offline stores.
@Suite struct ServedProfileTests {
    static let hour: Int64 = 3_600_000_000
    static let base = Timestamp.parse("2026-03-01T00:00:00Z")!

    static let layout = ServedLogLayout(
        service: "ranking", keys: [Field(name: "driver_id", type: .int64)],
        features: [
            .init(view: "stats", feature: "rate", type: .float64),
            .init(view: "stats", feature: "trips", type: .int64),
            .init(view: "stats", feature: "city", type: .string),
            .init(view: "trips", feature: "active", type: .bool),
        ])

    /// A random value of `type`: nulls, extremes, NaN and -0.0 among them (no infinities: fs
    /// stores and serves finite numbers only, and the log's reader refuses them).
    static func value(_ type: ValueType, _ random: inout SplitMix64) -> FeatureValue {
        if Int.random(in: 0..<8, using: &random) == 0 { return .null }
        switch type {
        case .float64:
            let specials: [Double] = [
                .nan, -0.0, 0, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, -.leastNonzeroMagnitude,
            ]
            if Int.random(in: 0..<5, using: &random) == 0 { return .float64(specials.randomElement(using: &random)!) }
            return .float64(Double.random(in: -100...100, using: &random))
        case .int64:
            let specials: [Int64] = [.min, .max, 0, -1]
            if Int.random(in: 0..<5, using: &random) == 0 { return .int64(specials.randomElement(using: &random)!) }
            return .int64(Int64.random(in: -1000...1000, using: &random))
        case .string:
            return .string(["a", "b", "c", "é", ""].randomElement(using: &random)!)
        default:
            return .bool(Bool.random(using: &random))
        }
    }

    static func row(at time: Timestamp, _ random: inout SplitMix64) -> ServedLogRow {
        ServedLogRow(
            keys: [.int64(Int64.random(in: 1...20, using: &random))],
            values: layout.features.map { feature in
                let value = Self.value(feature.type, &random)
                return OnlineValue(
                    value: value, status: value.isNull ? .notFound : .present, eventTime: value.isNull ? nil : time)
            }, logTimestamp: time, requestID: "r\(time.microseconds)", serviceVersion: 1)
    }

    @Test(arguments: StoreBackend.allCases)
    func flushedProfilesEqualTheProfilesOfTheLoggedValues(backend: StoreBackend) async throws {
        try await backend.run { stores in
            for seed in UInt64(0)..<8 { try Self.checkFlushedProfiles(seed: seed, try stores.store("served-profiles")) }
        }
    }

    static func checkFlushedProfiles(seed: UInt64, _ store: any OfflineHistoryStore) throws {
        var random = SplitMix64(seed: seed)
        var reference: [ProfileSlot: FeatureProfile] = [:]
        var written = 0
        for _ in 0..<Int.random(in: 2...6, using: &random) {
            let rows = (0..<Int.random(in: 1...200, using: &random)).map { _ in
                Self.row(
                    at: Timestamp(
                        microseconds: Self.base.microseconds + Int64.random(in: 0..<(30 * Self.hour), using: &random)),
                    &random)
            }
            try store.writeServedLog([(layout: Self.layout, rows: rows)])
            // The reference: this batch's values as read back from the log, profiled per hour in
            // row order, then merged into what earlier batches left (stored first, as the store merges).
            let stored = Array(try store.servedLogRows(Self.layout).dropFirst(written))
            written += stored.count
            #expect(stored.count == rows.count)
            var batch: [ProfileSlot: FeatureProfile] = [:]
            for row in stored {
                for (index, feature) in Self.layout.features.enumerated() {
                    let start = ProfileBuckets.start(of: row.logTimestamp, length: ProfileBuckets.hour)
                    let slot = ProfileSlot(
                        feature: ProfiledFeature(view: feature.view, feature: feature.feature), bucketStart: start,
                        bucketLength: ProfileBuckets.hour)
                    batch[slot, default: FeatureProfile(type: feature.type)].add(row.values[index].value)
                }
            }
            for (slot, profile) in batch {
                if var earlier = reference[slot] {
                    try earlier.merge(profile)
                    reference[slot] = earlier
                } else {
                    reference[slot] = profile
                }
            }
        }
        #expect(!reference.isEmpty)
        for (slot, expected) in reference {
            let stored = try store.storedProfile(
                of: .served(service: "ranking"), feature: slot.feature, from: slot.bucketStart,
                to: slot.bucketStart.addingClamped(ProfileBuckets.hour))
            #expect(stored?.buckets == 1)
            #expect(stored?.profile == expected, "seed \(seed): \(slot.feature) at \(slot.bucketStart.rfc3339)")
        }
        // (The reference reads NaN back as null: a flush that profiled the NaN it was handed, as
        // an invalid number, would disagree with it.)
    }

    /// A batch that fails part way (the second service's table cannot be created: two columns of
    /// one name) leaves neither the first service's rows nor its profiles.
    @Test(arguments: StoreBackend.allCases)
    func aFailedBatchLeavesNeitherRowsNorProfiles(backend: StoreBackend) async throws {
        try await backend.run { try Self.checkFailedBatch(try $0.store("served-atomic")) }
    }

    static func checkFailedBatch(_ store: any OfflineHistoryStore) throws {
        var random = SplitMix64(seed: 11)
        let broken = ServedLogLayout(
            service: "broken", keys: [Field(name: "driver_id", type: .int64)],
            features: [.init(view: "v", feature: "x", type: .int64), .init(view: "v", feature: "x", type: .int64)])
        let good = (0..<5).map { _ in Self.row(at: Self.base, &random) }
        let bad = ServedLogRow(
            keys: [.int64(1)],
            values: [
                OnlineValue(value: .int64(1), status: .present, eventTime: Self.base),
                OnlineValue(value: .int64(2), status: .present, eventTime: Self.base),
            ], logTimestamp: Self.base, requestID: "b", serviceVersion: 1)
        #expect(throws: FeatureStoreError.self) {
            try store.writeServedLog([(layout: Self.layout, rows: good), (layout: broken, rows: [bad])])
        }
        #expect(try store.servedLogRows(Self.layout).isEmpty)
        #expect(
            try store.storedProfile(
                of: .served(service: "ranking"), feature: ProfiledFeature(view: "stats", feature: "rate"))
                == nil)
        // The same rows alone are written with their profiles.
        try store.writeServedLog([(layout: Self.layout, rows: good)])
        #expect(
            try store.storedProfile(
                of: .served(service: "ranking"), feature: ProfiledFeature(view: "stats", feature: "rate"))?
                .profile.count == 5)
    }

    @Test(arguments: StoreBackend.allCases)
    func pruningTheLogDropsTheProfilesOfThePrunedDays(backend: StoreBackend) async throws {
        try await backend.run { try Self.checkPrune(try $0.store("served-prune")) }
    }

    static func checkPrune(_ store: any OfflineHistoryStore) throws {
        var random = SplitMix64(seed: 7)
        let day: Int64 = 24 * Self.hour
        let times = [0, 5, day / Self.hour + 2, 2 * day / Self.hour + 1].map {
            Timestamp(microseconds: Self.base.microseconds + $0 * Self.hour)
        }
        try store.writeServedLog([(layout: Self.layout, rows: times.map { Self.row(at: $0, &random) })])
        let rate = ProfiledFeature(view: "stats", feature: "rate")
        #expect(try store.storedProfile(of: .served(service: "ranking"), feature: rate)?.buckets == 4)
        let before = Timestamp(microseconds: Self.base.microseconds + 2 * day)
        let report = try store.pruneServedLog(service: "ranking", before: before)
        #expect(report.rows["ranking"] == 3)
        // Three hours of four features.
        #expect(report.profileBuckets["ranking"] == 12)
        let left = try store.storedProfile(of: .served(service: "ranking"), feature: rate)
        #expect(left?.buckets == 1)
        #expect(left?.profile.count == 1)
        #expect(left?.start == ProfileBuckets.start(of: times[3], length: ProfileBuckets.hour))
        #expect(try store.servedLogRows(Self.layout).count == 1)
    }
}
