import Foundation
import PostgresTestSupport
import ProcessSupport
import Testing

/// The real `fs` binary over a `dedupe_on` source with `offline_store: {type: postgres}`:
/// corrections that move an event earlier or to another driver are taken back online by
/// materialization, exactly as with the SQLite offline store.
@Suite struct PostgresDedupeEndToEndTests {
    static let end = "2026-01-02T00:00:00Z"

    /// The ingests (event, driver, hour, created hour, fare) and, after each, a materialization:
    /// incremental or full.
    static let steps: [(rows: [(Int, Int, Int, Int, Double)], incremental: Bool)] = [
        ([(1, 1, 7, 7, 7), (2, 1, 10, 10, 10), (3, 2, 9, 9, 9)], true),
        // Event 2 really happened at 05:00: event 1 (07:00) is driver 1's newest now.
        ([(2, 1, 5, 11, 5)], true),
        // Event 3 belonged to driver 3; a stale copy of event 1 (older created) changes nothing.
        ([(3, 3, 9, 12, 3), (1, 1, 8, 6, 100)], false),
    ]

    /// Runs the steps and returns driver 1-3's online fares after each.
    static func run(postgres server: PostgresServerProcess?) async throws -> [[Double?]] {
        let repo = FSRunner.temporaryDirectory("fs-e2e-pg-dedupe")
        defer { try? FileManager.default.removeItem(atPath: repo) }
        var config = "project: corrections\n"
        if let server {
            config += server.offlineStoreYAML(schema: "fs_dedupe")
        }
        try config.write(toFile: repo + "/feature_store.yaml", atomically: true, encoding: .utf8)
        try """
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
        """.write(toFile: repo + "/repo.yaml", atomically: true, encoding: .utf8)
        let environment = server?.environment ?? [:]
        func fs(_ arguments: [String]) async throws -> String {
            let result = try await FSRunner.run(arguments + ["--repo", repo], environment: environment)
            #expect(result.status == 0, "fs \(arguments.joined(separator: " ")): \(result.stderr)")
            return result.stdout
        }
        _ = try await fs(["apply"])
        var fares: [[Double?]] = []
        for (number, step) in steps.enumerated() {
            var text = "event_id,driver_id,ts,created,fare\n"
            for (event, driver, hour, created, fare) in step.rows {
                text += "\(event),\(driver),2026-01-01T\(hour < 10 ? "0" : "")\(hour):00:00Z,"
                text += "2026-01-01T\(created < 10 ? "0" : "")\(created):30:00Z,\(fare)\n"
            }
            let file = repo + "/step\(number).csv"
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            _ = try await fs(["ingest", "trips", file])
            _ = try await fs(
                step.incremental ? ["materialize-incremental", end] : ["materialize", "2026-01-01T00:00:00Z", end])
            let online = try await fs([
                "get-online-features", "--features", "driver_fares:fare", "--entity", "driver_id=1", "--entity",
                "driver_id=2", "--entity", "driver_id=3", "--json",
            ])
            fares.append(try Self.fares(online))
        }
        return fares
    }

    /// The feature's values of a Feast-style `get-online-features` answer.
    static func fares(_ json: String) throws -> [Double?] {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let results = object?["results"] as? [[String: Any]] ?? []
        let values = results.last?["values"] as? [Any] ?? []
        return values.map { ($0 as? NSNumber)?.doubleValue }
    }

    @Test func correctionsAreTakenBackOnPostgresAsOnSQLite() async throws {
        try await withPostgresServer { server in
            let postgres = try await Self.run(postgres: server)
            #expect(postgres == [[10, 9, nil], [7, 9, nil], [7, nil, 3]])
            let sqlite = try await Self.run(postgres: nil)
            #expect(postgres == sqlite)
        }
    }
}
