import FeatureStoreCore
import OfflineStorePostgres
import Testing

/// PostgreSQL cuts identifiers at 63 bytes: long table names are fitted with a hash, never cut.
@Suite struct PostgresIdentifierTests {
    @Test func namesThatFitAreKept() {
        for name in ["history_trips_g1", String(repeating: "a", count: 63), "é"] {
            #expect(PostgresIdentifier.fitted(name) == name)
        }
    }

    @Test func longNamesFitDistinctAndStable() {
        let base = "history_" + String(repeating: "driver_hourly_statistics_", count: 3)
        let names = (0..<50).map { "\(base)\($0)_g1" } + ["\(base)_g1", "\(base)_g2", base + "é_g1", base + "è_g1"]
        let fitted = names.map(PostgresIdentifier.fitted)
        #expect(Set(fitted).count == names.count, "two long names were fitted to one")
        for (name, short) in zip(names, fitted) {
            #expect(short.utf8.count <= PostgresIdentifier.maxBytes, "\(short)")
            #expect(short.hasPrefix(String(name.prefix(30))))
            #expect(PostgresIdentifier.fitted(name) == short, "the same name must always fit the same way")
        }
        // Multi-byte characters are never split: the prefix stays valid UTF-8.
        let wide = String(repeating: "é", count: 40)
        let short = PostgresIdentifier.fitted(wide)
        #expect(short.utf8.count <= 63)
        #expect(short.hasPrefix(String(repeating: "é", count: 23)))
    }

    @Test func aLongColumnNameIsRefusedNamingIt() {
        let column = String(repeating: "conversion_rate_", count: 5)
        #expect(throws: Never.self) { try PostgresIdentifier.requireFits("rate", what: "column") }
        do {
            try PostgresIdentifier.requireFits(column, what: "column")
            Issue.record("a 80-byte column name was accepted")
        } catch let error as FeatureStoreError {
            #expect(error.message.contains(column))
            #expect(error.message.contains("80 bytes"))
            #expect(error.message.contains("63"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
