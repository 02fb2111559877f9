import FeatureStoreCore
import Foundation
import OfflineStorePostgres
import OfflineStoreSQLite
import PostgresClient
import PostgresTestSupport
import SQLite
import Testing

/// `dedupe_on` on the PostgreSQL offline store: the same rows, arrival numbers, replaced versions,
/// counts and reads as the SQLite store, on the same inputs.
@Suite(.serialized) struct PostgresOfflineStoreDedupeTests {
    /// IngestTests' `dedupe_on` case, on both stores: the same literal outcome.
    @Test func theLaterCreatedWinsOnBothStores() async throws {
        try await withPostgresServerOffPool { server in
            let pair = try StorePair(server: server, schema: "fixed", dedupeOn: ["name"])
            defer { pair.postgres.close() }
            let first = try pair.fixture.directory.write(
                "first.csv",
                """
                \(IngestFixture.header)
                7,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,1.0,a,true
                7,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,2.0,a,true
                7,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,5.0,b,true

                """)
            // A re-delivery with a later created time replaces the event at an earlier time and
            // under another driver (kept as a replaced version); an older created time is a duplicate.
            let second = try pair.fixture.directory.write(
                "second.csv",
                """
                \(IngestFixture.header)
                8,2025-12-31T23:30:00Z,2026-01-01T02:00:00Z,9.0,a,false
                7,2025-12-31T00:00:00Z,2025-12-31T00:00:00Z,0.0,b,false

                """)
            for store in pair.stores {
                let one = try store.ingest(file: first, format: .csv, into: pair.table)
                #expect((one.inserted, one.duplicates, one.replaced) == (2, 0, 1), "\(store.location)")
                let two = try store.ingest(file: second, format: .csv, into: pair.table)
                #expect((two.inserted, two.duplicates, two.replaced) == (0, 1, 1), "\(store.location)")
                #expect(try store.ingestLog(of: pair.table).map(\.stored) == [3, 1], "\(store.location)")
                let replaced = try store.replacedVersions(
                    history: .table(pair.table), viewName: "stats_view",
                    joinKeys: [JoinKey(name: "driver_id", valueType: .int64)], arrivedAfter: nil)
                let midnight = Timestamp.parse("2026-01-01T00:00:00Z")!
                #expect(replaced.map(\.key) == [[.int64(7)]], "\(store.location)")
                #expect(replaced.map(\.eventTime) == [midnight], "\(store.location)")
                #expect(replaced.map(\.createdTime) == [midnight], "\(store.location)")
            }
            let tables = try pair.tables()
            #expect(tables.sqlite == tables.postgres)
            #expect(tables.sqlite.history.map { $0[4] } == ["t:b", "t:a"])
            #expect(tables.sqlite.history.map { $0[6] } == ["i:3", "i:4"], "arrival numbers")
            #expect(tables.sqlite.replaced.count == 1)
        }
    }

    /// Random files and pushes with few distinct events (duplicates, same-second events, equal
    /// created times, corrections to earlier times and other drivers), identical and forced
    /// re-ingests, over many seeds and several `dedupe_on` choices: after every step both stores
    /// report the same, and at the end they hold the same rows under the same arrival numbers, the
    /// same replaced versions and give the same scans.
    @Test func randomIngestsAndPushesEqualSQLite() async throws {
        try await withPostgresServerOffPool { server in
            var stored = 0
            var replaced = 0
            var movedVersions = 0
            for seed in 0..<40 {
                var random = SplitMix64(seed: UInt64(seed))
                // Without dedupe_on too: every row an event, stored in event-time order.
                let choices: [[String]] = [
                    ["name"], ["driver_id"], ["name", "ts"], ["rate"], ["active", "driver_id"], [],
                ]
                let dedupeOn = choices[seed % choices.count]
                let pair = try StorePair(server: server, schema: "random\(seed)", dedupeOn: dedupeOn)
                defer { pair.postgres.close() }
                let required = Set(pair.table.requiredColumns)
                var files: [String] = []
                var marks: [Int64] = []
                for step in 0..<Int.random(in: 3...7, using: &random) {
                    let context = "seed \(seed) step \(step) dedupe_on \(dedupeOn)"
                    let roll = Int.random(in: 0..<10, using: &random)
                    if roll < 2, let earlier = files.randomElement(using: &random) {
                        // The same content again: already ingested, or forced.
                        let force = Bool.random(using: &random)
                        let results = pair.stores.map { store in
                            Result {
                                try store.ingest(
                                    file: earlier, format: .csv, into: pair.table,
                                    options: IngestOptions(force: force), now: Timestamp(microseconds: Int64(step)))
                            }
                        }
                        #expect(describe(results[0]) == describe(results[1]), "\(context)")
                    } else if roll < 4 {
                        let rows = (0..<Int.random(in: 1...12, using: &random)).map { _ in
                            Self.pushedRow(&random, required: required)
                        }
                        let results = pair.stores.map { store in Result { try store.append(rows: rows, to: pair.table) }
                        }
                        #expect(describe(results[0]) == describe(results[1]), "\(context)")
                        if case .success(let result) = results[0] { stored += result.inserted + result.replaced }
                    } else {
                        var text = IngestFixture.header + "\n"
                        for _ in 0..<Int.random(in: 1...40, using: &random) {
                            text += Self.csvRow(&random, required: required) + "\n"
                        }
                        let file = try pair.fixture.directory.write("step\(step).csv", text)
                        files.append(file)
                        let results = pair.stores.map { store in
                            Result {
                                try store.ingest(
                                    file: file, format: .csv, into: pair.table, options: IngestOptions(),
                                    now: Timestamp(microseconds: Int64(step)))
                            }
                        }
                        #expect(describe(results[0]) == describe(results[1]), "\(context)")
                        if case .success(let result) = results[0] {
                            stored += result.inserted + result.replaced
                            replaced += result.replaced
                        }
                    }
                    let sequences = try pair.stores.map { try $0.lastSequence() }
                    #expect(sequences[0] == sequences[1], "\(context)")
                    marks.append(sequences[0])
                }
                let tables = try pair.tables()
                #expect(tables.sqlite == tables.postgres, "seed \(seed) dedupe_on \(dedupeOn)")
                movedVersions += tables.sqlite.replaced.count
                let logs = try pair.stores.map { try $0.ingestLog(of: pair.table) }
                #expect(logs[0] == logs[1], "seed \(seed)")
                let mark = marks[marks.count / 2]
                let reads = pair.stores.map { Self.reads(of: $0, table: pair.table, arrivedAfter: mark) }
                #expect(reads[0] == reads[1], "seed \(seed) dedupe_on \(dedupeOn)")
            }
            // The inputs did exercise the rules.
            #expect(stored > 500)
            #expect(replaced > 50)
            #expect(movedVersions > 20)
        }
    }

    /// `fs apply` again keeps the replaced versions; a dropped generation takes them with it.
    @Test func replacedVersionsFollowTheirHistoryTable() async throws {
        try await withPostgresServerOffPool { server in
            let pair = try StorePair(server: server, schema: "drop", dedupeOn: ["name"])
            defer { pair.postgres.close() }
            let file = try pair.fixture.directory.write(
                "moves.csv",
                """
                \(IngestFixture.header)
                1,2026-01-01T02:00:00Z,2026-01-01T00:00:00Z,1.0,a,true
                2,2026-01-01T01:00:00Z,2026-01-01T01:00:00Z,2.0,a,true

                """)
            _ = try pair.postgres.ingest(file: file, format: .csv, into: pair.table)
            try pair.postgres.prepare([pair.table])
            try pair.postgres.dropHistoryTables(except: [pair.table.name])
            #expect(try pair.tables().postgres.replaced.count == 1)
            try pair.postgres.dropHistoryTables(except: [])
            let session = PostgresSession(settings: server.settings(schema: "drop"), password: server.password)
            defer { session.close() }
            let left = try session.query("SELECT tablename FROM pg_tables WHERE schemaname = 'drop'").map {
                try $0.text(0)
            }
            #expect(left.allSatisfy { !$0.hasPrefix("history") }, "\(left)")
        }
    }

    /// Every kind of value a push can hold goes in by the binary arrays and comes back bit for bit
    /// as SQLite stores it: int64 extremes, -0, subnormals, infinities, NaN (NULL in both), empty
    /// and unicode text, bytes with zeros, nulls; and in one array statement after another.
    @Test func everyValueIsStoredAsSQLiteStoresIt() async throws {
        try await withPostgresServerOffPool { server in
            let source = Source(
                name: "values", kind: .push, path: nil, timestampField: "ts",
                schema: [
                    Field(name: "id", type: .int64), Field(name: "ts", type: .timestamp),
                    Field(name: "i", type: .int64), Field(name: "f", type: .float64), Field(name: "s", type: .string),
                    Field(name: "b", type: .bytes), Field(name: "flag", type: .bool),
                ])
            let table = HistoryTable(source: source, generation: 1, requiredColumns: ["id"])
            let directory = TestDirectory("pg-values")
            let sqlite = try directory.store()
            try sqlite.prepare([table])
            let settings = server.settings(schema: "values")
            let postgres = try PostgresOfflineStore(settings: settings, password: server.password)
            defer { postgres.close() }
            try postgres.prepare([table])
            let integers: [Int64] = [.min, .max, 0, -1, 1]
            let reals: [Double] = [
                -0.0, 0.0, .leastNonzeroMagnitude, -.leastNormalMagnitude, .greatestFiniteMagnitude, .infinity,
                -.infinity, .nan, 1e-300, 0.1,
            ]
            let texts = [
                "", "é", "日本語 🚀", "tab\there", "line\nbreak", "quote\"'", String(repeating: "x", count: 5_000),
            ]
            let bytes: [[UInt8]] = [[0], [0, 255, 0], Array(0...255), [1]]
            var random = SplitMix64(seed: 7)
            var rows: [[FeatureValue]] = []
            for row in 0..<45_000 {  // more than one statement's rows
                func pick<T>(_ values: [T], _ make: (T) -> FeatureValue) -> FeatureValue {
                    Int.random(in: 0..<8, using: &random) == 0 ? .null : make(values.randomElement(using: &random)!)
                }
                rows.append([
                    .timestamp(
                        Timestamp(
                            microseconds: [Int64.min / 2, 0, 1_767_225_600_000_000].randomElement(using: &random)!
                                + Int64(row % 7))),
                    .null, .int64(integers.randomElement(using: &random)!), pick(integers) { .int64($0) },
                    pick(reals) { .float64($0) }, pick(texts) { .string($0) }, pick(bytes) { .bytes($0) },
                    pick([true, false]) { .bool($0) },
                ])
            }
            let results = try [sqlite.append(rows: rows, to: table), postgres.append(rows: rows, to: table)]
            #expect(results[0] == results[1])
            let tables = try StorePair.tables(
                of: table, sqlite: directory.file("offline.db"), settings: settings, password: server.password)
            #expect(tables.sqlite.history.count == rows.count)
            #expect(tables.sqlite == tables.postgres)
        }
    }

    // MARK: Random inputs

    static let names = ["a", "b", "é", "日本", "\"c, d\"", "\"x\"\"y\""]
    static let rates = ["0.5", "-0.0", "0.0", "1e-300", "-1.7976931348623157e308", "3.0", "2"]

    /// A CSV row of IngestFixture's source with few distinct values; never null where required.
    static func csvRow(_ random: inout SplitMix64, required: Set<String>) -> String {
        func maybeNull(_ column: String, _ value: String) -> String {
            !required.contains(column) && Int.random(in: 0..<6, using: &random) == 0 ? "" : value
        }
        let driver =
            Int.random(in: 0..<20, using: &random) == 0
            ? String([Int64.min, Int64.max].randomElement(using: &random)!)
            : String(Int.random(in: 1...4, using: &random))
        let time = Self.time(&random)
        let created = "2026-01-01T0\(Int.random(in: 0...2, using: &random)):00:00Z"
        let rate = maybeNull("rate", rates.randomElement(using: &random)!)
        let name = maybeNull("name", names.randomElement(using: &random)!)
        let active = maybeNull("active", Bool.random(using: &random) ? "true" : "false")
        return "\(driver),\(time),\(created),\(rate),\(name),\(active)"
    }

    /// Event times bunched into the same seconds, now and then at the ends of the range.
    static func time(_ random: inout SplitMix64) -> String {
        switch Int.random(in: 0..<20, using: &random) {
        case 0: "0001-01-01T00:00:00Z"
        case 1: "9999-12-31T23:59:59.999999Z"
        case 2: "2026-01-01T00:00:00.000001Z"
        default: "2026-01-01T00:00:0\(Int.random(in: 0...2, using: &random))Z"
        }
    }

    /// A pushed row (``HistoryTable/columnNames`` order), NaN and infinities included.
    static func pushedRow(_ random: inout SplitMix64, required: Set<String>) -> [FeatureValue] {
        let base = Timestamp.parse("2026-01-01T00:00:00Z")!.microseconds
        let event = FeatureValue.timestamp(
            Timestamp(microseconds: base + Int64.random(in: 0...2, using: &random) * 1_000_000))
        let created: FeatureValue =
            Bool.random(using: &random)
            ? .null
            : .timestamp(Timestamp(microseconds: base + Int64.random(in: 0...2, using: &random) * 3_600_000_000))
        let rate: FeatureValue = [.float64(.nan), .float64(.infinity), .float64(-0.0), .float64(0.5), .float64(2)]
            .randomElement(using: &random)!
        let name: FeatureValue = .string(["a", "b", "é"].randomElement(using: &random)!)
        let active: FeatureValue =
            !required.contains("active") && Bool.random(using: &random) ? .null : .bool(Bool.random(using: &random))
        return [event, created, .int64(Int64.random(in: 1...4, using: &random)), rate, name, active]
    }

    /// What the scans and the replaced versions give (every row, and since `arrivedAfter`), as
    /// sorted text; a scan's error (a pushed infinity is refused when read) as its message.
    static func reads(of store: any OfflineHistoryStore, table: HistoryTable, arrivedAfter: Int64) -> [String] {
        let joinKeys = [JoinKey(name: "driver_id", valueType: .int64)]
        let features = [
            Feature(name: "rate", type: .float64), Feature(name: "name", type: .string),
            Feature(name: "active", type: .bool),
        ]
        var described: [String] = []
        func record(_ label: String, _ body: () throws -> Void) {
            let before = described.count
            do {
                try body()
            } catch {
                // What a failing scan handed over before it failed depends on the row order.
                described.removeSubrange(before...)
                described.append("\(label) error: \(error)")
            }
        }
        for after in [nil, arrivedAfter] {
            let label = "after \(String(describing: after))"
            record("\(label) replaced") {
                described += try store.replacedVersions(
                    history: .table(table), viewName: "stats_view", joinKeys: joinKeys, arrivedAfter: after
                ).map { "\(label) replaced \($0)" }
            }
            record("\(label) latest") {
                try store.scanLatestRows(
                    history: .table(table), viewName: "stats_view", joinKeys: joinKeys, features: features,
                    from: .min, to: .max, arrivedAfter: after, entities: nil, batchSize: 3
                ) { batch in described += batch.map { "\(label) latest \($0)" } }
            }
            record("\(label) events") {
                try store.scanEvents(
                    history: .table(table), viewName: "stats_view", joinKeys: joinKeys, columns: features,
                    from: Timestamp.parse("2026-01-01T00:00:01Z")!, to: .max, arrivedAfter: after, batchSize: 4
                ) { batch in described += batch.map { "\(label) event \($0)" } }
            }
        }
        return described.sorted()
    }
}

/// IngestFixture's SQLite store and a PostgreSQL store in `schema`, both prepared for its table.
struct StorePair {
    let fixture: IngestFixture
    let postgres: PostgresOfflineStore
    let settings: PostgresSettings
    let password: String

    var table: HistoryTable { fixture.table }
    var stores: [any OfflineHistoryStore] { [fixture.store, postgres] }

    init(server: PostgresServerProcess, schema: String, dedupeOn: [String]) throws {
        fixture = try IngestFixture(dedupeOn: dedupeOn)
        settings = server.settings(schema: schema)
        password = server.password
        postgres = try PostgresOfflineStore(settings: settings, password: password)
        try postgres.prepare([fixture.table])
    }

    /// The stored rows of a history table and its replaced versions, in arrival order, every
    /// column as text (reals by their bits).
    struct Tables: Equatable {
        var history: [[String]]
        var replaced: [[String]]
    }

    func tables() throws -> (sqlite: Tables, postgres: Tables) {
        try Self.tables(of: table, sqlite: fixture.directory.file("offline.db"), settings: settings, password: password)
    }

    /// The tables of `table` in the SQLite database at `path` and in PostgreSQL.
    static func tables(of table: HistoryTable, sqlite path: String, settings: PostgresSettings, password: String)
        throws -> (sqlite: Tables, postgres: Tables)
    {
        let history = (table.columnNames + [HistoryTable.sequenceColumn]).map(quoteIdentifier)
        let replaced = [HistoryTable.replacedByColumn] + history
        func sql(_ columns: [String], _ name: String, _ order: String, schema: String = "") -> String {
            "SELECT \(columns.joined(separator: ", ")) FROM \(schema)\(quoteIdentifier(name)) ORDER BY \(order)"
        }
        let database = try Database(path: path)
        func sqliteRows(_ text: String) throws -> [[String]] {
            let statement = try database.prepare(text)
            var rows: [[String]] = []
            while try statement.step() {
                rows.append((0..<statement.columnCount).map { Self.text(statement.value($0)) })
            }
            return rows
        }
        let session = PostgresSession(settings: settings, password: password)
        defer { session.close() }
        let schema = quoteIdentifier(settings.schema) + "."
        func postgresRows(_ text: String) throws -> [[String]] {
            try session.query(text).map { row in try (0..<row.count).map { Self.text(try row.value($0)) } }
        }
        let replacedName = table.replacedName
        let keepsReplaced = !table.source.dedupeOn.isEmpty
        return (
            Tables(
                history: try sqliteRows(sql(history, table.name, HistoryTable.sequenceColumn)),
                replaced: keepsReplaced
                    ? try sqliteRows(sql(replaced, replacedName, HistoryTable.replacedByColumn)) : []),
            Tables(
                history: try postgresRows(sql(history, table.name, HistoryTable.sequenceColumn, schema: schema)),
                replaced: keepsReplaced
                    ? try postgresRows(sql(replaced, replacedName, HistoryTable.replacedByColumn, schema: schema))
                    : [])
        )
    }

    static func text(_ value: SQLiteValue) -> String {
        switch value {
        case .null: "null"
        case .integer(let number): "i:\(number)"
        case .real(let number): "r:\(number.bitPattern)"
        case .text(let text): "t:\(text)"
        case .blob(let bytes): "b:\(bytes)"
        }
    }

    static func text(_ value: PostgresCellValue) -> String {
        switch value {
        case .null: "null"
        case .integer(let number): "i:\(number)"
        case .real(let number): "r:\(number.bitPattern)"
        case .text(let text): "t:\(text)"
        case .blob(let bytes): "b:\(bytes)"
        }
    }
}

/// A result as text for comparing two stores' (the time taken left out).
func describe(_ result: Result<IngestResult, any Error>) -> String {
    switch result {
    case .success(var value):
        value.seconds = 0
        return "\(value)"
    case .failure(let error): return "error: \(error)"
    }
}

func describe(_ result: Result<AppendResult, any Error>) -> String {
    switch result {
    case .success(let value): return "\(value)"
    case .failure(let error): return "error: \(error)"
    }
}
