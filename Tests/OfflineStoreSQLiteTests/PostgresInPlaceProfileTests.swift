import FeatureProfiles
import FeatureStoreCore
import Foundation
import OfflineStorePostgres
import OfflineStoreSQLite
import PostgresClient
import PostgresTestSupport
import Testing

/// Profiles computed on demand (`fs stats` and `fs drift` of a source read in place) of a
/// `postgres` source equal those of the same rows ingested into the SQLite store, over the random
/// scenarios of the in-place tests: every timestamp column type, nulls, duplicates, years 0001 and
/// 9999, tables and queries, whole histories and ranges of event time.
@Suite struct PostgresInPlaceProfileTests {
    static let features: [(String, ValueType)] = [
        ("a", .int64), ("b", .float64), ("c", .string), ("flag", .bool), ("seen", .timestamp),
    ]

    static var columns: [OfflineProfileColumn] {
        features.map { name, type in
            OfflineProfileColumn(
                feature: ProfiledFeature(view: "latest", feature: name), column: Field(name: name, type: type))
        }
    }

    @Test func inPlaceProfilesEqualThoseOfTheSameRowsIngested() async throws {
        try await withPostgresServer { server in
            try await offPool {
                try PostgresInPlaceSourceTests.unsettle(server)
                let session = PostgresSession(settings: server.settings(), password: server.password)
                defer { session.close() }
                let postgres = try PostgresOfflineStore(
                    settings: server.settings(schema: "fs"), password: server.password)
                defer { postgres.close() }
                for seed in UInt64(0)..<12 {
                    var scenario = InPlaceScenario(seed: seed)
                    let directory = TestDirectory("pg-in-place-profiles")
                    let sqlite = try directory.store()
                    let table = HistoryTable(
                        source: scenario.source(kind: .csv), generation: 1, definitions: scenario.definitions)
                    try sqlite.prepare([table])
                    _ = try sqlite.ingest(
                        file: try directory.write("rides.csv", scenario.csv()), format: .csv, into: table)
                    try scenario.load(into: session)
                    let source =
                        scenario.throughQuery
                        ? scenario.source(kind: .postgres, query: "SELECT * FROM \(scenario.tableName.quoted)")
                        : scenario.source(kind: .postgres, table: scenario.tableName.spelled)
                    let events = scenario.rows.map(\.event).sorted()
                    let ranges: [(Timestamp?, Timestamp?)] = [
                        (nil, nil), (events[events.count / 4], events[3 * events.count / 4]),
                        (events[events.count / 2], nil),
                    ]
                    for (from, to) in ranges {
                        let expected = try sqlite.computeProfiles(
                            of: .table(table), columns: Self.columns, from: from, to: to)
                        let actual = try postgres.computeProfiles(
                            of: .inPlace(source), columns: Self.columns, from: from, to: to)
                        let inRange = scenario.rows.filter { row in
                            (from.map { row.event >= $0 } ?? true) && (to.map { row.event < $0 } ?? true)
                        }.count
                        for column in Self.columns {
                            let what =
                                "seed \(seed), \(column.feature.feature), \(from?.rfc3339 ?? "-")...\(to?.rfc3339 ?? "-")"
                            let want = try #require(expected[column.feature], "\(what)")
                            let got = try #require(actual[column.feature], "\(what)")
                            #expect(want.count == Int64(inRange), "\(what)")
                            #expect(got.count == want.count, "\(what): count")
                            #expect(got.nulls == want.nulls, "\(what): nulls")
                            #expect(got.minimum == want.minimum && got.maximum == want.maximum, "\(what): extremes")
                            #expect(got.distinct == want.distinct, "\(what): distinct sketch")
                        }
                    }
                }
            }
        }
    }
}
