import FeatureRepo
import FeatureStoreCore
import Foundation
import Testing

/// `kind: postgres` sources: a table or query of the PostgreSQL offline store read in place; each
/// mistake reported at its `file:line:column`.
@Suite struct PostgresSourceValidationTests {
    /// A repo whose source `trips` (from line 5) has `fields` after its kind.
    static func repo(_ fields: String) -> [(name: String, text: String)] {
        [
            (
                "trips.yaml",
                """
                entities:
                  - {name: driver, join_keys: [{name: driver_id, value_type: int64}]}
                sources:
                  - name: trips
                    kind: postgres
                \(fields)
                    timestamp_field: ts
                    schema: {driver_id: int64, ts: timestamp, fare: float64}
                feature_views:
                  - {name: fares, entities: [driver], source: trips, features: [fare]}

                """
            )
        ]
    }

    func diagnostics(_ fields: String, postgres: Bool? = true) -> [String] {
        do {
            _ = try RepoLoader.parse(files: Self.repo(fields), offlineStoreIsPostgres: postgres)
            return []
        } catch let error as FeatureStoreError {
            return error.diagnostics.map { "\($0.file):\($0.line):\($0.column): \($0.message)" }
        } catch {
            return ["unexpected \(error)"]
        }
    }

    @Test func aTableOrAQueryIsRead() throws {
        for fields in [
            "    table: analytics.trips", "    table: Trips", "    query: SELECT * FROM trips WHERE fare > 0",
        ] {
            let definitions = try RepoLoader.parse(files: Self.repo(fields), offlineStoreIsPostgres: true)
            let source = try #require(definitions.source("trips"))
            #expect(source.kind == .postgres)
            #expect(source.readsInPlace)
            #expect(source.table ?? source.query != nil)
        }
        #expect(PostgresTableName("analytics.trips") == PostgresTableName("analytics.trips"))
        #expect(PostgresTableName("analytics.trips")?.schema == "analytics")
        #expect(PostgresTableName("Trips")?.name == "Trips")
        #expect(PostgresTableName("Trips")?.schema == nil)
    }

    @Test func itNeedsThePostgresOfflineStore() {
        let found = diagnostics("    table: trips", postgres: false)
        #expect(found.count == 1, "\(found)")
        let message = found.first ?? ""
        #expect(message.hasPrefix("trips.yaml:5:11: source 'trips' is of kind postgres"), "\(message)")
        #expect(message.contains("reads table 'trips'"), "\(message)")
        #expect(message.contains("the offline store in feature_store.yaml is SQLite"), "\(message)")
        #expect(message.contains("offline_store: {type: postgres"), "\(message)")
        #expect(message.contains("kind: sqlite"), "\(message)")
        // Not known: not checked (definitions parsed without their feature_store.yaml).
        #expect(diagnostics("    table: trips", postgres: nil).isEmpty)
    }

    @Test(arguments: [
        ("", "needs exactly one of 'table'"),
        ("    table: trips\n    query: SELECT 1", "needs exactly one of 'table'"),
        ("    table: a.b.c", "table 'a.b.c' of source 'trips' must be a table name or schema.name"),
        ("    table: .trips", "must be a table name or schema.name"),
        ("    table: \(String(repeating: "t", count: 64))", "at most 63 bytes"),
        ("    query: \"  \"", "query of source 'trips' is empty"),
        ("    table: trips\n    path: trips.csv", "takes no 'path'"),
        ("    table: trips\n    dedupe_on: [fare]", "takes no 'dedupe_on'"),
    ])
    func mistakesAreReportedWhereTheyAre(fields: String, expected: String) {
        let found = diagnostics(fields)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.contains(expected) == true, "\(found)")
        #expect(found.first?.hasPrefix("trips.yaml:") == true, "\(found)")
    }
}
