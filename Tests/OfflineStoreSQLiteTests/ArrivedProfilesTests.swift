import FeatureProfiles
import FeatureStoreCore
import Foundation
import OfflineStoreSQLite
import Testing

/// Both offline stores profile an ingest's rows while inserting them (``IngestResult/arrivedProfiles``),
/// and the update after the commit uses those profiles instead of reading the rows back. Checked
/// against the read-back itself, on each store: over random files (negative zeros, extremes, same-instant rows,
/// text with commas and accents, nulls), with updates skipped now and then and pushes in between,
/// the stored hourly profiles are identical to those of a store that reads every row back.
@Suite struct ArrivedProfilesTests {
    static let hour: Int64 = 3_600_000_000
    static let base = Timestamp.parse("2026-03-01T00:00:00Z")!

    static func columns(_ table: HistoryTable) -> [OfflineProfileColumn] {
        table.valueColumns.map {
            OfflineProfileColumn(feature: ProfiledFeature(view: "stats_view", feature: $0.name), column: $0)
        }
    }

    /// A random CSV file of `count` rows over 30 hours, out of time order.
    static func file(seed: UInt64, count: Int) -> String {
        var random = SplitMix64(seed: seed)
        var lines = [IngestFixture.header]
        for _ in 0..<count {
            let offset =
                random.next() % 4 == 0
                ? Int64(random.next() % 30) * hour : Int64(random.next() % UInt64(30 * hour))
            let time = (base + TimeSpan(microseconds: offset)).rfc3339
            let driver = ["1", "2", "3", "\(Int64.max)", "\(Int64.min)"][Int(random.next() % 5)]
            let rate = ["", "-0.0", "0", "1e308", "-1.5", "5e-324", "\(random.next() % 10_000).25"][
                Int(random.next() % 7)]
            let name = ["", "a", "\"with, comma\"", "é", "b"][Int(random.next() % 5)]
            let active = ["true", "false", "", "1"][Int(random.next() % 4)]
            lines.append("\(driver),\(time),\(time),\(rate),\(name),\(active)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Every hourly profile of every column, per feature and hour.
    static func stored(_ fixture: IngestFixture) throws -> [String: FeatureProfile] {
        let source = ProfileSource.offline(source: "stats", generation: fixture.table.generation)
        var result: [String: FeatureProfile] = [:]
        for column in columns(fixture.table) {
            for hour in 0..<30 {
                let start = base + TimeSpan(microseconds: Int64(hour) * Self.hour)
                if let profile = try fixture.store.storedProfile(
                    of: source, feature: column.feature, from: start, to: start + TimeSpan(microseconds: Self.hour))
                {
                    result["\(column.feature) \(hour)"] = profile.profile
                }
            }
        }
        return result
    }

    @Test(arguments: StoreBackend.allCases) func updatesFromArrivedProfilesEqualReadingBack(
        _ backend: StoreBackend
    ) async throws {
        try await backend.run { opener in
            for seed in UInt64(1)...6 { try Self.checkAgainstReadingBack(seed: seed, opener) }
        }
    }

    static func checkAgainstReadingBack(seed: UInt64, _ opener: StoreOpener) throws {
        let arriving = try IngestFixture(opener)
        let reading = try IngestFixture(opener)
        let columns = Self.columns(arriving.table)
        var options = IngestOptions()
        options.profileColumns = columns
        var random = SplitMix64(seed: seed &* 31)
        for batch in 0..<5 {
            // Now and then a push before the ingest: its row is not profiled yet, so the ingest's
            // profiles cannot stand in and the update reads everything back.
            if random.next() % 4 == 0 {
                let push: [[FeatureValue]] = [
                    [
                        .timestamp(base), .timestamp(base), .int64(9), .float64(-0.0), .string("p"),
                        .bool(true),
                    ]
                ]
                _ = try arriving.store.append(rows: push, to: arriving.table)
                _ = try reading.store.append(rows: push, to: reading.table)
            }
            let text = file(seed: seed &* 100 &+ UInt64(batch), count: 200 + Int(random.next() % 300))
            let ingested = try arriving.ingest("f\(batch).csv", text, options: options)
            try reading.ingest("f\(batch).csv", text)
            let arrived = try #require(ingested.arrivedProfiles, "seed \(seed) batch \(batch): no profiles")
            #expect(arrived.rows == ingested.inserted)
            // Now and then no update (the next ingest's profiles cannot stand in either).
            guard random.next() % 4 != 0 else { continue }
            let update = try arriving.store.updateProfiles(
                of: arriving.table, columns: columns, now: base, arrived: arrived)
            let reference = try reading.store.updateProfiles(of: reading.table, columns: columns, now: base)
            #expect(update.profiledThrough == reference.profiledThrough)
            let got = try stored(arriving)
            let want = try stored(reading)
            #expect(got.keys.sorted() == want.keys.sorted(), "seed \(seed) batch \(batch)")
            for (key, profile) in want where got[key] != profile {
                Issue.record("seed \(seed) batch \(batch): \(key) differs from the profile read back")
            }
        }
    }

    /// The update takes the arrived profiles instead of the rows (profiles of other rows with the
    /// same numbers show it), and only for the table they were computed for.
    @Test(arguments: StoreBackend.allCases) func theUpdateUsesTheArrivedProfilesOfItsOwnTable(
        _ backend: StoreBackend
    ) async throws {
        try await backend.run { opener in try Self.checkUse(opener) }
    }

    static func checkUse(_ opener: StoreOpener) throws {
        let store = try IngestFixture(opener)
        let other = try IngestFixture(opener)
        let columns = Self.columns(store.table)
        var options = IngestOptions()
        options.profileColumns = columns
        try store.ingest("a.csv", file(seed: 1, count: 100), options: options)
        let substitute = try #require(
            try other.ingest("b.csv", file(seed: 2, count: 100), options: options).arrivedProfiles)
        var elsewhere = substitute
        elsewhere.table = "history_elsewhere_g1"
        // Profiles of another table are ignored: the rows are read back.
        try store.store.updateProfiles(of: store.table, columns: columns, now: base, arrived: elsewhere)
        try other.store.updateProfiles(of: other.table, columns: columns, now: base)
        #expect(try stored(store) != stored(other))

        let fresh = try IngestFixture(opener)
        try fresh.ingest("a.csv", file(seed: 1, count: 100), options: options)
        try fresh.store.updateProfiles(of: fresh.table, columns: columns, now: base, arrived: substitute)
        #expect(try stored(fresh) == stored(other))

        // A row pushed after the ingest, before the update, is read back beside them.
        let pushed = try IngestFixture(opener)
        let arrived = try #require(
            try pushed.ingest("a.csv", file(seed: 1, count: 100), options: options).arrivedProfiles)
        _ = try pushed.store.append(
            rows: [[.timestamp(base), .timestamp(base), .int64(9), .null, .null, .null]], to: pushed.table)
        let update = try pushed.store.updateProfiles(
            of: pushed.table, columns: columns, now: base, arrived: arrived)
        #expect(update.rows == 101)
        let total = try pushed.store.storedProfile(
            of: .offline(source: "stats", generation: 1), feature: columns[0].feature, from: nil, to: nil)
        #expect(total?.profile.count == 101)
    }
}
