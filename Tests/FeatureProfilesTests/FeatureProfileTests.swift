import FeatureStoreCore
import Foundation
import Testing

@testable import FeatureProfiles

/// Profiles: counts, moments and extremes against exact computation, merges against the profile of
/// the whole, the binary form (round trips, and damaged bytes are errors, never crashes).
@Suite struct FeatureProfileTests {
    static func numbers(seed: UInt64, count: Int) -> [FeatureValue] {
        var data = Generated(seed: seed)
        return (0..<count).map { _ in
            switch data.random.next() % 20 {
            case 0: .null
            case 1: .float64(.nan)
            case 2: .float64(data.random.next() % 2 == 0 ? .infinity : -.infinity)
            default: .float64(data.normal() * 10 + 3)
            }
        }
    }

    /// A summary's distinct count never exceeds the number of values, though the sketch's
    /// estimate (within its error) can.
    @Test func summaryDistinctCountIsAtMostTheValueCount() {
        var overestimated = 0
        for seed in UInt64(1)...20 {
            var data = Generated(seed: seed)
            let count = 3_000 + Int(data.random.next() % 5_000)
            var seen: Set<Int64> = []
            var profile = FeatureProfile(type: .int64)
            while seen.count < count {
                let value = Int64(bitPattern: data.random.next())
                if seen.insert(value).inserted { profile.add(integer: value) }
            }
            profile.addNull()
            if profile.distinctEstimate.rounded() > Double(count) { overestimated += 1 }
            let summary = ProfileSummary(profile)
            #expect(summary.distinct <= Int64(count), "seed \(seed): \(count) values")
            #expect(Double(summary.distinct) >= Double(count) * (1 - 4 * DistinctCountSketch.relativeStandardError))
        }
        // The case the clamp is for occurs in this range.
        #expect(overestimated > 0)
    }

    @Test func countsMomentsAndExtremesMatchExactComputation() throws {
        for seed in UInt64(1)...10 {
            let values = Self.numbers(seed: seed, count: 5_000)
            var profile = FeatureProfile(type: .float64)
            for value in values { profile.add(value) }
            let finite = values.compactMap { value -> Double? in
                if case .float64(let v) = value, v.isFinite { return v }
                return nil
            }
            #expect(profile.count == 5_000)
            #expect(profile.nulls == Int64(values.filter(\.isNull).count))
            #expect(profile.invalid == Int64(values.count - finite.count) - profile.nulls)
            #expect(profile.valueCount == Int64(finite.count))
            let mean = finite.reduce(0, +) / Double(finite.count)
            let variance = finite.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(finite.count - 1)
            #expect(abs(profile.mean! - mean) <= 1e-9 * max(1, abs(mean)))
            #expect(abs(profile.variance! - variance) <= 1e-9 * variance)
            #expect(profile.minimum == finite.min())
            #expect(profile.maximum == finite.max())
            #expect(profile.quantile(0) == finite.min())
            #expect(profile.quantile(1) == finite.max())
        }
    }

    @Test func integerExtremesAreExact() {
        var profile = FeatureProfile(type: .int64)
        for value: Int64 in [.max, .min, 0, .max - 1, -7] { profile.add(integer: value) }
        #expect(profile.integerMinimum == .min)
        #expect(profile.integerMaximum == .max)
        #expect(profile.valueCount == 5)
        #expect(profile.mean != nil && profile.mean!.isFinite)
    }

    @Test func mergedPartsEqualTheWholeWithinRounding() throws {
        for seed in UInt64(1)...10 {
            let values = Self.numbers(seed: seed &+ 50, count: 20_000)
            var whole = FeatureProfile(type: .float64)
            for value in values { whole.add(value) }
            var parts = [FeatureProfile](repeating: FeatureProfile(type: .float64), count: 24)
            var random = SplitMix64(seed: seed)
            for value in values { parts[Int(random.next() % 24)].add(value) }
            var merged = FeatureProfile(type: .float64)
            for part in parts { try merged.merge(part) }
            #expect(merged.count == whole.count)
            #expect(merged.nulls == whole.nulls)
            #expect(merged.invalid == whole.invalid)
            #expect(merged.minimum == whole.minimum)
            #expect(merged.maximum == whole.maximum)
            #expect(abs(merged.mean! - whole.mean!) <= 1e-9 * max(1, abs(whole.mean!)))
            #expect(abs(merged.variance! - whole.variance!) <= 1e-9 * whole.variance!)
            #expect(merged.distinct == whole.distinct)
            let exact = ExactRanks(
                values.compactMap { if case .float64(let v) = $0, v.isFinite { v } else { nil } })
            for q in stride(from: 0.05, through: 0.95, by: 0.05) {
                let value = merged.quantile(q)!
                #expect(exact.rank(value) >= q - QuantileSketch.rankErrorBound)
                #expect(exact.rankBelow(value) <= q + QuantileSketch.rankErrorBound)
            }
        }
    }

    @Test func categoricalProfilesCountValues() throws {
        var profile = FeatureProfile(type: .string)
        for value in ["a", "b", "a", "c", "a"] { profile.add(.string(value)) }
        profile.add(.null)
        profile.add(.float64(1))  // the wrong kind: invalid, not a category
        #expect(profile.count == 7)
        #expect(profile.nulls == 1)
        #expect(profile.invalid == 1)
        #expect(profile.frequent.items.map(\.label) == ["a", "b", "c"])
        #expect(profile.frequent.items.map(\.count) == [3, 1, 1])
        #expect(profile.mean == nil)
        #expect(profile.quantile(0.5) == nil)
        var flags = FeatureProfile(type: .bool)
        for value in [true, false, true] { flags.add(.bool(value)) }
        #expect(flags.frequent.items.map(\.label) == ["true", "false"])
    }

    @Test func mergingProfilesOfDifferentTypesIsRefused() {
        var numbers = FeatureProfile(type: .float64)
        #expect(throws: FeatureStoreError.self) { try numbers.merge(FeatureProfile(type: .string)) }
    }

    static func sampleProfiles() -> [FeatureProfile] {
        var result: [FeatureProfile] = []
        for type in ValueType.allCases {
            result.append(FeatureProfile(type: type))
            var random = SplitMix64(seed: 9)
            for size in [1, 300, 20_000] {
                var profile = FeatureProfile(type: type)
                for index in 0..<size {
                    switch type {
                    case .float64: profile.add(index % 10 == 0 ? .null : .float64(Double(random.next() % 1000) / 7))
                    case .int64: profile.add(.int64(Int64(bitPattern: random.next()) >> 40))
                    case .timestamp: profile.add(.timestamp(Timestamp(microseconds: Int64(index) * 1_000_000)))
                    case .string: profile.add(.string("s\(random.next() % 500)"))
                    case .bool: profile.add(.bool(random.next() % 3 == 0))
                    case .bytes: profile.add(.bytes([UInt8(index % 256), 1, 2]))
                    }
                }
                result.append(profile)
            }
        }
        return result
    }

    @Test func theBinaryFormRoundTrips() throws {
        for profile in Self.sampleProfiles() {
            let bytes = profile.encoded()
            var decoded = try FeatureProfile(decoding: bytes)
            var expected = profile
            if expected.kind == .categorical {
                // Stored summaries hold at most k counters.
                var summary = expected.frequent
                summary.reduce()
                #expect(decoded.frequent.items == summary.items)
                decoded = try FeatureProfile(decoding: decoded.encoded())
                expected = try FeatureProfile(decoding: bytes)
            }
            #expect(decoded == expected, "\(profile.type) x \(profile.count)")
            #expect(decoded.encoded() == bytes)
        }
    }

    @Test func damagedBytesAreErrorsNeverCrashes() throws {
        var random = SplitMix64(seed: 77)
        for profile in Self.sampleProfiles() {
            let bytes = profile.encoded()
            // Every truncation.
            for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 200)) {
                #expect(throws: FeatureStoreError.self) { try FeatureProfile(decoding: Array(bytes[..<length])) }
            }
            // Random damage: an error, or (rarely, e.g. a flipped bit in a value) a valid profile.
            for _ in 0..<200 {
                var damaged = bytes
                for _ in 0...(random.next() % 3) {
                    let index = Int(random.next() % UInt64(damaged.count))
                    damaged[index] ^= UInt8(truncatingIfNeeded: random.next() | 1)
                }
                if let decoded = try? FeatureProfile(decoding: damaged) {
                    #expect(decoded.valueCount >= 0)
                    #expect(decoded.quantiles.count == (decoded.kind == .numeric ? decoded.valueCount : 0))
                }
            }
        }
        #expect(throws: FeatureStoreError.self) { try FeatureProfile(decoding: Array("FSP".utf8) + [9, 0]) }
    }
}
