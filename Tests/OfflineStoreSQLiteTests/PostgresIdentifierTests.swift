import FeatureStoreCore
import OfflineStorePostgres
import OfflineStoreSQLite
import Testing

/// PostgreSQL cuts names at 63 bytes without an error: a source or column whose PostgreSQL names
/// would be cut is refused, naming it and the length that fits.
@Suite struct PostgresIdentifierTests {
    static func table(source name: String, column: String = "rate") -> HistoryTable {
        let source = Source(
            name: name, kind: .csv, path: "x.csv", timestampField: "ts",
            schema: [
                Field(name: "id", type: .int64), Field(name: "ts", type: .timestamp),
                Field(name: column, type: .float64),
            ])
        return HistoryTable(source: source, generation: 1, requiredColumns: ["id"])
    }

    @Test func namesThatFitAreAccepted() throws {
        // history_<source>_g1 plus its longest suffix (the table of replaced versions) is 63 bytes.
        let longest = String(repeating: "s", count: 42)
        try PostgresIdentifier.requireFits(Self.table(source: longest, column: String(repeating: "c", count: 63)))
        #expect(Self.table(source: longest).replacedName.utf8.count == 63)
    }

    @Test func aSourceNameTooLongIsRefusedSayingWhatFits() {
        let name = String(repeating: "s", count: 43)
        do {
            try PostgresIdentifier.requireFits(Self.table(source: name))
            Issue.record("a 43-byte source name was accepted")
        } catch let error as FeatureStoreError {
            #expect(error.code == .invalidArgument)
            for part in ["source '\(name)'", "64 bytes", "at most 63 bytes", "at most 42 bytes"] {
                #expect(error.message.contains(part), "\(error.message) should contain \(part)")
            }
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func aColumnNameTooLongIsRefusedNamingIt() {
        let column = String(repeating: "conversion_rate_", count: 4)  // 64 bytes
        do {
            try PostgresIdentifier.requireFits(Self.table(source: "stats", column: column))
            Issue.record("a 64-byte column name was accepted")
        } catch let error as FeatureStoreError {
            for part in ["column '\(column)'", "source 'stats'", "64 bytes", "field_mapping"] {
                #expect(error.message.contains(part), "\(error.message) should contain \(part)")
            }
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    /// Regression: `fs apply` on PostgreSQL prepared a 43-byte source, one of whose names
    /// (`<table>__replaced`) PostgreSQL would cut silently. The store itself refuses it, before
    /// creating any table of the batch.
    @Test func prepareRefusesATooLongSourceAndCreatesNothing() async throws {
        try await StoreBackend.postgres.run { opener in
            let directory = TestDirectory("identifiers")
            let store = try opener.store(in: directory)
            let fits = Self.table(source: "stats")
            let tooLong = Self.table(source: String(repeating: "s", count: 43))
            #expect(throws: FeatureStoreError.self) { try store.prepare([fits, tooLong]) }
            #expect(throws: (any Error).self, "the table of a refused prepare was created") {
                try opener.rows("SELECT 1 FROM {table}", table: fits.name, in: store, directory: directory)
            }
            try store.prepare([fits])
            #expect(try opener.rows("SELECT 1 FROM {table}", table: fits.name, in: store, directory: directory).isEmpty)
        }
    }
}
