import FeatureStoreCore
import Foundation
import OfflineStoreSQLite
import Testing

/// `fs apply` drops the history tables no definition uses any more, and only those: fs's own
/// names (`history_<source>_g<n>`, the layout before arrival numbers, tables of replaced
/// versions), never a table of the user's that merely starts with `history_`.
@Suite struct HistoryTableDropTests {
    static let userTables = ["history_notes", "history_x_g1_backup", "history_", "history__g1", "history_x_g"]
    static let staleTables = [
        "history_old_g3", "history_old_g3__replaced", "history_stats_g0", "history_x_g12_0123456789abcdef",
    ]

    @Test(arguments: StoreBackend.allCases) func onlyFsTablesThatNoDefinitionUsesAreDropped(_ backend: StoreBackend)
        async throws
    {
        try await backend.run { opener in
            let fixture = try IngestFixture(opener)
            for name in Self.userTables + Self.staleTables {
                _ = try opener.rows(
                    "CREATE TABLE {table} (a INTEGER)", table: name, in: fixture.store, directory: fixture.directory)
            }
            try fixture.ingest(
                "one.csv", "\(IngestFixture.header)\n1,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,1,a,true\n")
            try fixture.store.dropHistoryTables(except: [fixture.table.name])
            func exists(_ name: String) -> Bool {
                (try? opener.rows("SELECT 1 FROM {table}", table: name, in: fixture.store, directory: fixture.directory))
                    != nil
            }
            for name in Self.userTables { #expect(exists(name), "\(name) was dropped") }
            for name in Self.staleTables { #expect(!exists(name), "\(name) was kept") }
            #expect(try fixture.count() == 1)
        }
    }

    @Test func historyNamesAreRecognized() {
        for name in Self.staleTables + ["history_a_b_g2_g7", "history_x_g1__replaced"] {
            #expect(HistoryTable.isHistoryName(name), "\(name)")
        }
        for name in Self.userTables + ["stats", "history_x_g1__replaced_old", "history_x_g٣"] {
            #expect(!HistoryTable.isHistoryName(name), "\(name)")
        }
    }
}
