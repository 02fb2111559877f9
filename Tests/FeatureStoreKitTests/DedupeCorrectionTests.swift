import Foundation
import Testing

@testable import FeatureStoreKit

/// A source with `dedupe_on` lets a later version of an event replace the stored one, even at an
/// earlier event time or under another entity. The online value of a snapshot view must then be
/// what the offline history says now: the entity's newest remaining row, not the replaced version
/// (which monotonic writes alone would keep forever, since the correction looks older).
@Suite struct DedupeCorrectionTests {
    static let now = Timestamp.parse("2026-01-02T00:00:00Z")!

    static func repo() throws -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("fs-dedupe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try "project: corrections\n".write(toFile: path + "/feature_store.yaml", atomically: true, encoding: .utf8)
        let text = """
            entities:
              - {name: driver, join_keys: [{name: driver_id, value_type: int64}]}
            sources:
              - name: trips
                kind: csv
                path: trips.csv
                timestamp_field: ts
                created_timestamp_field: created
                dedupe_on: [event_id]
                schema: {event_id: int64, driver_id: int64, ts: timestamp, created: timestamp, fare: float64}
            feature_views:
              - {name: driver_fares, entities: [driver], source: trips, ttl: 0, features: [fare]}
            """
        try text.write(toFile: path + "/repo.yaml", atomically: true, encoding: .utf8)
        return path
    }

    struct Row {
        var event: Int
        var driver: Int
        var hour: Int
        var created: Int
        var fare: Double

        var csv: String {
            "\(event),\(driver),2026-01-01T\(String(format: "%02d", hour)):00:00Z,2026-01-01T\(String(format: "%02d", created)):30:00Z,\(fare)"
        }
    }

    static func ingest(_ store: FeatureStore, _ rows: [Row]) throws {
        let path = store.repoPath + "/\(UUID().uuidString).csv"
        let text = (["event_id,driver_id,ts,created,fare"] + rows.map(\.csv)).joined(separator: "\n") + "\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        _ = try store.ingest(source: "trips", file: path)
    }

    static func online(_ store: FeatureStore, drivers: [Int]) throws -> [FeatureValue] {
        try store.getOnlineFeatures(
            references: [FeatureReference(view: "driver_fares", feature: "fare")],
            entities: EntityRows(columns: [("driver_id", drivers.map { .int64(Int64($0)) })])
        ).columns[1].map(\.value)
    }

    /// Regression: a correction moving driver 1's newest event earlier left the replaced value
    /// online, although the offline history's newest row for driver 1 is another event now.
    @Test func aCorrectionMovingTheNewestEventEarlierIsServed() throws {
        let store = try FeatureStore(repo: Self.repo(), clock: { Self.now })
        try store.apply()
        try Self.ingest(
            store,
            [
                Row(event: 1, driver: 1, hour: 7, created: 7, fare: 7),
                Row(event: 2, driver: 1, hour: 10, created: 10, fare: 10),
            ])
        try store.materializeIncremental(to: Self.now)
        #expect(try Self.online(store, drivers: [1]) == [.float64(10)])
        // Event 2 really happened at 05:00: event 1 (07:00) is driver 1's newest now.
        try Self.ingest(store, [Row(event: 2, driver: 1, hour: 5, created: 11, fare: 5)])
        try store.materializeIncremental(to: Self.now)
        #expect(try Self.online(store, drivers: [1]) == [.float64(7)])
        // A full run agrees, and changes nothing more.
        let again = try store.materialize(from: .distantPast, to: Self.now)
        #expect(again.written == 0)
        #expect(try Self.online(store, drivers: [1]) == [.float64(7)])
    }

    /// Regression: a correction moving an event to another driver left it online for the first.
    @Test func aCorrectionMovingAnEventToAnotherEntityLeavesTheFirst() throws {
        let store = try FeatureStore(repo: Self.repo(), clock: { Self.now })
        try store.apply()
        try Self.ingest(store, [Row(event: 1, driver: 1, hour: 10, created: 10, fare: 10)])
        try store.materialize(from: .distantPast, to: Self.now)
        try Self.ingest(store, [Row(event: 1, driver: 2, hour: 10, created: 11, fare: 11)])
        try store.materialize(from: .distantPast, to: Self.now)
        #expect(try Self.online(store, drivers: [1, 2]) == [.null, .float64(11)])
    }

    /// Random ingests of new events and corrections (earlier, later, other drivers, older created
    /// times that must lose, same-hour ties), each followed by an incremental or full run: the
    /// online values always equal the newest (event time, created time, arrival) version per driver
    /// of a brute-force model of the dedupe rules.
    @Test(arguments: 0..<24) func onlineValuesFollowCorrectionsLikeTheModel(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let store = try FeatureStore(repo: Self.repo(), clock: { Self.now })
        try store.apply()
        // event id -> (row, arrival) of the stored version
        var model: [Int: (row: Row, arrival: Int)] = [:]
        var arrival = 0
        var fare = 0.0
        for _ in 0..<8 {
            var rows: [Row] = []
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                fare += 1
                rows.append(
                    Row(
                        event: Int.random(in: 0..<8, using: &random), driver: Int.random(in: 1...3, using: &random),
                        hour: Int.random(in: 1...6, using: &random), created: Int.random(in: 1...4, using: &random),
                        fare: fare))
            }
            try Self.ingest(store, rows)
            for row in rows {
                arrival += 1
                if let stored = model[row.event], stored.row.created > row.created { continue }
                model[row.event] = (row, arrival)
            }
            if Bool.random(using: &random) {
                try store.materializeIncremental(to: Self.now)
            } else {
                try store.materialize(from: .distantPast, to: Self.now)
            }
            let expected: [FeatureValue] = (1...3).map { driver in
                let versions = model.values.filter { $0.row.driver == driver }
                guard
                    let newest = versions.max(by: {
                        ($0.row.hour, $0.row.created, $0.arrival) < ($1.row.hour, $1.row.created, $1.arrival)
                    })
                else { return .null }
                return .float64(newest.row.fare)
            }
            #expect(try Self.online(store, drivers: [1, 2, 3]) == expected, "seed \(seed)")
        }
    }
}
