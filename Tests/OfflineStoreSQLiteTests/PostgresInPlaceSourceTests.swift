import FeatureStoreCore
import Foundation
import OfflineStorePostgres
import OfflineStoreSQLite
import PostgresClient
import PostgresTestSupport
import SQLite
import Testing

/// `postgres` sources: a table or query of the PostgreSQL offline store's database read in place.
@Suite(.serialized) struct PostgresInPlaceSourceTests {
    /// Sessions of the test cluster start in another zone and date style than fs reads in: the
    /// store must set its own (a `timestamptz` read as local text would be hours off).
    static func unsettle(_ server: PostgresServerProcess) throws {
        let admin = PostgresSession(settings: server.settings(), password: server.password)
        defer { admin.close() }
        try admin.query("ALTER DATABASE postgres SET timezone TO 'Pacific/Chatham'")
        try admin.query("ALTER DATABASE postgres SET DateStyle TO 'SQL, DMY'")
    }

    /// The same rows give the same training set (point-in-time features and windowed
    /// aggregates) and the same materialization scans (the latest row per entity, what is written
    /// online; every event, what aggregate state is built from) ingested into the SQLite store as
    /// read in place from PostgreSQL, over many seeds: every timestamp column type, same-second
    /// events, created-time ties, duplicates, nulls, years 0001 and 9999, tables and queries.
    @Test func inPlaceRowsGiveWhatTheSameRowsIngestedGive() async throws {
        try await withPostgresServerOffPool { server in
            // The stores wait synchronously: on a thread of their own, not the cooperative pool's.
            let seeds = try await offPool { try Self.compareSeeds(server) }
            var types = Set<String>()
            for seed in seeds {
                types.formUnion(seed.types)
                #expect(
                    seed.trainingDifference == nil,
                    "\(seed.label): training sets differ at \(seed.trainingDifference ?? "")")
                #expect(seed.outputRows == seed.spineRows + 1, "\(seed.label)")
                #expect(seed.scanDifference == nil, "\(seed.label): scans differ at \(seed.scanDifference ?? "")")
                #expect(seed.scanned > 0, "\(seed.label)")
            }
            #expect(seeds.count == 24)
            // Every PostgreSQL timestamp type was read.
            #expect(types == Set(InPlaceScenario.TimeType.allCases.map(\.rawValue)), "\(types)")
        }
    }

    /// What one seed of ``inPlaceRowsGiveWhatTheSameRowsIngestedGive()`` found.
    struct SeedComparison: Sendable {
        var label: String
        var types: Set<String>
        var trainingDifference: String?
        var outputRows: Int
        var spineRows: Int
        var scanDifference: String?
        var scanned: Int
    }

    static func compareSeeds(_ server: PostgresServerProcess) throws -> [SeedComparison] {
        try unsettle(server)
        let session = PostgresSession(settings: server.settings(), password: server.password)
        defer { session.close() }
        let postgres = try PostgresOfflineStore(settings: server.settings(schema: "fs"), password: server.password)
        defer { postgres.close() }
        var results: [SeedComparison] = []
        for seed in UInt64(0)..<24 {
            var scenario = InPlaceScenario(seed: seed)
            let directory = TestDirectory("pg-in-place")
            // SQLite: the rows ingested from a CSV file.
            let sqlite = try directory.store()
            let table = HistoryTable(
                source: scenario.source(kind: .csv), generation: 1, definitions: scenario.definitions)
            try sqlite.prepare([table])
            _ = try sqlite.ingest(file: try directory.write("rides.csv", scenario.csv()), format: .csv, into: table)
            // PostgreSQL: the same rows in a table, read in place.
            try scenario.load(into: session)
            let source =
                scenario.throughQuery
                ? scenario.source(
                    kind: .postgres, query: "SELECT * FROM \(scenario.tableName.quoted) WHERE true -- every row\n;")
                : scenario.source(kind: .postgres, table: scenario.tableName.spelled)
            let spine = try directory.write("spine.csv", scenario.spineCSV)
            let sides: [(any OfflineHistoryStore, HistoryLocation)] = [
                (sqlite, .table(table)), (postgres, .inPlace(source)),
            ]
            var outputs: [[String]] = []
            for (store, history) in sides {
                let output = directory.file("out-\(outputs.count).csv")
                _ = try store.trainingSet(
                    spine: spine, spineFormat: .csv, views: scenario.requests(history), output: output,
                    outputFormat: .csv, profile: false)
                outputs.append(
                    try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map(String.init))
            }
            let latest = try sides.map { store, history in try Self.scans(store, history, scenario) }
            results.append(
                SeedComparison(
                    label:
                        "seed \(seed): \(scenario.format) ts \(scenario.eventType) created \(scenario.createdType) seen \(scenario.seenType) \(scenario.valueTypes) \(scenario.throughQuery ? "query" : "table")",
                    types: [scenario.eventType.rawValue, scenario.createdType.rawValue, scenario.seenType.rawValue],
                    trainingDifference: firstDifference(outputs[0], outputs[1]), outputRows: outputs[0].count,
                    spineRows: scenario.spine.count, scanDifference: firstDifference(latest[0], latest[1]),
                    scanned: latest[0].count))
        }
        return results
    }

    /// The first line where `ingested` and `inPlace` differ, both sides shown; `nil` when equal.
    static func firstDifference(_ ingested: [String], _ inPlace: [String]) -> String? {
        for index in 0..<max(ingested.count, inPlace.count) {
            let left = index < ingested.count ? ingested[index] : "(none)"
            let right = index < inPlace.count ? inPlace[index] : "(none)"
            if left != right { return "line \(index + 1): ingested \(left) / in place \(right)" }
        }
        return nil
    }

    /// What materialization reads of `history`: the latest rows of a range and of all time, and
    /// every event (without the ids, which a history table takes from arrival numbers).
    static func scans(_ store: any OfflineHistoryStore, _ history: HistoryLocation, _ scenario: InPlaceScenario)
        throws -> [String]
    {
        var described: [String] = []
        let view = scenario.snapshotView
        let middle = scenario.rows[scenario.rows.count / 2].event
        for (from, to) in [(Timestamp.earliestValid, Timestamp.latestValid), (middle, middle + .hours(1))] {
            try store.scanLatestRows(
                history: history, viewName: view.name, joinKeys: scenario.entity.joinKeys, features: view.features,
                from: from, to: to, arrivedAfter: nil, entities: nil, batchSize: 7
            ) { batch in described += batch.map { "latest \(from): \($0)" } }
        }
        try store.scanEvents(
            history: history, viewName: "windows", joinKeys: scenario.entity.joinKeys,
            columns: [
                Feature(name: "a", type: .int64), Feature(name: "b", type: .float64),
                Feature(name: "c", type: .string), Feature(name: "seen", type: .timestamp),
            ], from: .earliestValid, to: .latestValid, arrivedAfter: nil, batchSize: 5
        ) { batch in described += batch.map { "event \($0.key) \($0.time) \($0.created) \($0.values)" } }
        return described.sorted()
    }

    // MARK: Timestamp column types

    /// One value per PostgreSQL type, read to the microsecond, whatever the session's zone: a
    /// `timestamptz` written with an offset is that instant, a `timestamp` is read as UTC, a
    /// `date` is midnight UTC, counts are exact in their unit.
    @Test func everyTimestampColumnTypeIsReadExactly() async throws {
        try await withPostgresServerOffPool { server in
            try Self.unsettle(server)
            let fixture = try PostgresInPlaceFixture(server)
            defer { fixture.close() }
            let expected = Timestamp.parse("2026-03-29T01:30:00.123456Z")!
            let cases: [(type: String, literal: String, format: TimestampFormat, expected: Timestamp)] = [
                ("timestamptz", "'2026-03-29 03:30:00.123456+02'", .iso8601, expected),
                ("timestamptz", "'2026-03-28T20:15:00.123456-05:15'", .epochMilliseconds, expected),
                ("timestamp", "'2026-03-29 01:30:00.123456'", .iso8601, expected),
                ("timestamp(3)", "'2026-03-29 01:30:00.123'", .iso8601, Timestamp.parse("2026-03-29T01:30:00.123Z")!),
                ("date", "'2026-03-29'", .iso8601, Timestamp.parse("2026-03-29T00:00:00Z")!),
                ("bigint", "1774747800123456", .epochMicroseconds, expected),
                ("bigint", "1774747800123", .epochMilliseconds, Timestamp.parse("2026-03-29T01:30:00.123Z")!),
                ("integer", "1774747800", .epochSeconds, Timestamp.parse("2026-03-29T01:30:00Z")!),
                ("double precision", "1774747800.123", .epochSeconds, Timestamp.parse("2026-03-29T01:30:00.123Z")!),
                ("numeric", "1774747800.123456", .epochSeconds, expected),
                ("numeric(20,3)", "1774747800123.456", .epochMilliseconds, expected),
                ("text", "'2026-03-29T03:30:00.123456+02:00'", .iso8601, expected),
                ("varchar(40)", "'2026-03-29 01:30:00.123456'", .iso8601, expected),
                ("text", "'1774747800123456'", .epochMicroseconds, expected),
                ("timestamptz", "'0001-01-01 00:00:00+00'", .iso8601, .earliestValid),
                ("timestamptz", "'9999-12-31 23:59:59.999999+00'", .iso8601, .latestValid),
                ("timestamp", "'1969-12-31 23:59:59.999999'", .iso8601, Timestamp(microseconds: -1)),
                ("bigint", "-1", .epochMicroseconds, Timestamp(microseconds: -1)),
            ]
            for (index, test) in cases.enumerated() {
                let rows = try fixture.latest(
                    columns: "k bigint, ts \(test.type), x double precision", values: "(1, \(test.literal), 0.5)",
                    format: test.format, table: "times_\(index)")
                #expect(rows.map(\.eventTime) == [test.expected], "\(test.type) \(test.literal)")
            }
        }
    }

    /// A `timestamp`-typed feature is read like the event time, and every value type from the
    /// column types it accepts.
    @Test func valueColumnsOfEveryAcceptedType() async throws {
        try await withPostgresServerOffPool { server in
            let fixture = try PostgresInPlaceFixture(server)
            defer { fixture.close() }
            let session = fixture.session
            try session.query(
                """
                CREATE TABLE typed (k text, ts timestamptz, i integer, f real, n numeric, b boolean, s varchar(10),
                    u uuid, j jsonb, raw_bytes bytea, t date)
                """)
            try session.query(
                """
                INSERT INTO typed VALUES ('x', '2026-01-01T00:00:00Z', 7, 0.5, 0.1, true, 'hé', '00000000-0000-0000-0000-000000000001',
                    '{"a": 1}', '\\x0102', '2026-01-02')
                """)
            let source = Source(
                name: "typed_source", kind: .postgres, table: "typed", timestampField: "ts",
                schema: [
                    Field(name: "k", type: .string), Field(name: "ts", type: .timestamp),
                    Field(name: "i", type: .int64),
                    Field(name: "f", type: .float64), Field(name: "n", type: .float64), Field(name: "b", type: .bool),
                    Field(name: "s", type: .string), Field(name: "u", type: .string), Field(name: "j", type: .string),
                    Field(name: "raw_bytes", type: .bytes), Field(name: "t", type: .timestamp),
                ])
            let features = source.columns.filter { $0.name != "k" }.map { Feature(name: $0.name, type: $0.type) }
            var rows: [LatestRow] = []
            try fixture.store.scanLatestRows(
                history: .inPlace(source), viewName: "typed_view", joinKeys: [JoinKey(name: "k", valueType: .string)],
                features: features, from: .earliestValid, to: .latestValid, arrivedAfter: nil, entities: nil,
                batchSize: 10
            ) { rows += $0 }
            #expect(
                rows.first?.values == [
                    .int64(7), .float64(0.5), .float64(0.1), .bool(true), .string("hé"),
                    .string("00000000-0000-0000-0000-000000000001"), .string("{\"a\": 1}"), .bytes([1, 2]),
                    .timestamp(Timestamp.parse("2026-01-02T00:00:00Z")!),
                ])
        }
    }

    // MARK: Errors

    @Test func aMissingTableNamesTheSourceAndSimilarNames() async throws {
        try await withPostgresServerOffPool { server in
            let fixture = try PostgresInPlaceFixture(server)
            defer { fixture.close() }
            try fixture.session.query("CREATE TABLE trips (k bigint, ts timestamptz, x double precision)")
            for (table, hint) in [("Trips", "fs.trips"), ("ext.trips", "fs.trips"), ("nothing", "")] {
                let error = fixture.failure(table: table)
                #expect(error?.code == .notFound)
                let message = error?.message ?? ""
                #expect(message.contains("source 'raw_source' (kind postgres) reads table '\(table)'"), "\(message)")
                #expect(message.contains("does not exist"), "\(message)")
                if !hint.isEmpty { #expect(message.contains("'\(hint)'"), "\(message)") }
                if !table.contains(".") { #expect(message.contains("schema 'fs', then 'public'"), "\(message)") }
            }
        }
    }

    /// The offline store's user may lack the privilege to read a table: said with the source.
    @Test func aTableTheUserMayNotReadIsNamed() async throws {
        try await withPostgresServerOffPool { server in
            let fixture = try PostgresInPlaceFixture(server)
            defer { fixture.close() }
            let password = "reader-\(UUID().uuidString)"
            for statement in [
                "CREATE TABLE secret (k bigint, ts timestamptz, x double precision)",
                "CREATE ROLE reader LOGIN PASSWORD '\(password)'", "CREATE SCHEMA reader_store AUTHORIZATION reader",
                "GRANT CREATE ON DATABASE postgres TO reader", "GRANT USAGE ON SCHEMA fs TO reader",
            ] {
                try fixture.session.query(statement)
            }
            var settings = server.settings(schema: "reader_store")
            settings.user = "reader"
            let store = try PostgresOfflineStore(settings: settings, password: password)
            defer { store.close() }
            var source = fixture.source(table: "fs.secret")
            #expect {
                try store.scanLatestRows(
                    history: .inPlace(source), viewName: "raw_view", joinKeys: fixture.joinKeys,
                    features: fixture.features, from: .earliestValid, to: .latestValid, arrivedAfter: nil,
                    entities: nil, batchSize: 10
                ) { _ in }
            } throws: { error in
                let message = "\(error)"
                return message.contains("source 'raw_source' (kind postgres) cannot read table 'fs.secret'")
                    && message.contains("permission denied for table secret") && message.contains("Grant")
            }
            try fixture.session.query("GRANT SELECT ON fs.secret TO reader")
            source.table = "fs.secret"
            var rows = 0
            try store.scanLatestRows(
                history: .inPlace(source), viewName: "raw_view", joinKeys: fixture.joinKeys,
                features: fixture.features, from: .earliestValid, to: .latestValid, arrivedAfter: nil,
                entities: nil, batchSize: 10
            ) { rows += $0.count }
            #expect(rows == 0)
        }
    }

    @Test func aMissingColumnIsNamedWithTheTablesColumns() async throws {
        try await withPostgresServerOffPool { server in
            let fixture = try PostgresInPlaceFixture(server)
            defer { fixture.close() }
            try fixture.session.query("CREATE TABLE raw (k bigint, \"TS\" timestamptz, y double precision)")
            let error = fixture.failure(table: "raw")
            #expect(error?.code == .notFound)
            let message = error?.message ?? ""
            #expect(message.contains("columns 'ts', 'x'"), "\(message)")
            #expect(message.contains("Its columns: 'k', 'TS', 'y'"), "\(message)")
            #expect(message.contains("Did you mean 'TS'?"), "\(message)")
            // Through a query: PostgreSQL's message names the column.
            let query = fixture.failure(query: "SELECT k, \"TS\" AS ts FROM raw")
            #expect(query?.code == .invalidArgument)
            #expect(
                query?.message.contains("source 'raw_source' (kind postgres): its query") == true,
                "\(query?.message ?? "")")
            #expect(query?.message.contains("column \"x\" does not exist") == true, "\(query?.message ?? "")")
            let syntax = fixture.failure(query: "SELEC k FROM raw")
            #expect(syntax?.message.contains("syntax error") == true, "\(syntax?.message ?? "")")
        }
    }

    @Test(arguments: [
        (
            "k text, ts timestamptz, x double precision",
            "column 'k' is text in PostgreSQL, which cannot be read as int64"
        ),
        (
            "k numeric, ts timestamptz, x double precision",
            "column 'k' is numeric in PostgreSQL, which cannot be read as int64"
        ),
        (
            "k bigint, ts boolean, x double precision",
            "column 'ts' is boolean in PostgreSQL, which cannot be read as timestamp"
        ),
        ("k bigint, ts interval, x double precision", "column 'ts' is interval"),
        ("k bigint, ts timestamptz, x text", "column 'x' is text in PostgreSQL, which cannot be read as float64"),
        ("k bigint, ts time, x bytea", "column 'ts' is time without time zone"),
    ])
    func aColumnOfTheWrongTypeIsNamedWithItsType(columns: String, expected: String) async throws {
        try await withPostgresServerOffPool { server in
            let fixture = try PostgresInPlaceFixture(server)
            defer { fixture.close() }
            try fixture.session.query("CREATE TABLE raw (\(columns))")
            let error = fixture.failure(table: "raw")
            #expect(error?.code == .invalidInput)
            let message = error?.message ?? ""
            #expect(message.contains("source 'raw_source' (kind postgres, table 'raw')"), "\(message)")
            #expect(message.contains(expected), "\(message)")
            #expect(message.contains("CAST("), "\(message)")
        }
    }

    /// Bad values stop the training set (no output file) and materialization with the source, the
    /// column and the value.
    @Test(arguments: [
        ("NULL, '2026-01-01T00:00:00Z', 1", "column 'k' holds NULL, but every row needs its entity key"),
        ("1, NULL, 1", "column 'ts' holds NULL, but every row needs its event timestamp"),
        ("1, 'infinity', 1", "'infinity', which is not a valid timestamp"),
        ("1, '0044-03-15 BC', 1", "'0044-03-15 00:00:00 BC', which is not a valid timestamp"),
        ("1, '12026-01-01 00:00:00+00', 1", "'12026-01-01 00:00:00', which is not a valid timestamp"),
        ("1, '2026-01-01T00:00:00Z', 'NaN'", "column 'x' holds nan, which is not finite"),
        ("1, '2026-01-01T00:00:00Z', '-Infinity'", "column 'x' holds -inf, which is not finite"),
    ])
    func badValuesNameTheColumnAndValue(values: String, expected: String) async throws {
        try await withPostgresServerOffPool { server in
            let fixture = try PostgresInPlaceFixture(server)
            defer { fixture.close() }
            try fixture.session.query("CREATE TABLE raw (k bigint, ts timestamptz, x double precision)")
            try fixture.session.query("INSERT INTO raw VALUES (2, '2026-01-01T00:00:00Z', 2), (\(values))")
            for message in try fixture.failures(table: "raw") {
                #expect(message.contains("feature view 'raw_view': source 'raw_source'"), "\(message)")
                #expect(message.contains(expected), "\(message)")
            }
        }
    }

    @Test func aNullOrUnparseableCreatedTimeAndTextTimestampsAreNamed() async throws {
        try await withPostgresServerOffPool { server in
            let fixture = try PostgresInPlaceFixture(server)
            defer { fixture.close() }
            try fixture.session.query("CREATE TABLE raw (k bigint, ts text, x double precision, made timestamptz)")
            try fixture.session.query("INSERT INTO raw VALUES (1, '2026-01-01T00:00:00Z', 1, NULL)")
            for message in try fixture.failures(table: "raw", created: "made") {
                #expect(
                    message.contains("column 'made' holds NULL, but every row needs its created timestamp"),
                    "\(message)")
            }
            try fixture.session.query("UPDATE raw SET made = now(), ts = '2026-01-01 25:00:00'")
            for message in try fixture.failures(table: "raw", created: "made") {
                #expect(
                    message.contains("column 'ts' holds '2026-01-01 25:00:00', which is not a valid timestamp"),
                    "\(message)")
            }
            try fixture.session.query("UPDATE raw SET ts = '1767225600'")
            for message in try fixture.failures(table: "raw", created: "made") {
                #expect(message.contains("'1767225600'"), "\(message)")
            }
        }
    }

    @Test func sqliteSourcesAreStillRefusedOnPostgres() async throws {
        try await withPostgresServerOffPool { server in
            let fixture = try PostgresInPlaceFixture(server)
            defer { fixture.close() }
            var source = fixture.source(table: "raw")
            source.kind = .sqlite
            #expect {
                try fixture.store.scanLatestRows(
                    history: .inPlace(source), viewName: "raw_view", joinKeys: fixture.joinKeys,
                    features: fixture.features, from: .earliestValid, to: .latestValid, arrivedAfter: nil,
                    entities: nil, batchSize: 10
                ) { _ in }
            } throws: { error in
                "\(error)".contains("of kind sqlite in place, which needs the SQLite offline store")
            }
        }
    }
}

/// A PostgreSQL offline store (schema `fs`) and a session to make tables with, for a source
/// `raw_source` (`k` int64, `ts` timestamp, `x` float64) read in place by view `raw_view`.
struct PostgresInPlaceFixture {
    let store: PostgresOfflineStore
    let session: PostgresSession
    let directory = TestDirectory("pg-in-place")

    init(_ server: PostgresServerProcess) throws {
        store = try PostgresOfflineStore(settings: server.settings(schema: "fs"), password: server.password)
        session = PostgresSession(settings: server.settings(), password: server.password)
        try session.query("CREATE SCHEMA IF NOT EXISTS ext")
    }

    func close() {
        store.close()
        session.close()
    }

    var joinKeys: [JoinKey] { [JoinKey(name: "k", valueType: .int64)] }
    var features: [Feature] { [Feature(name: "x", type: .float64)] }

    func source(
        table: String? = nil, query: String? = nil, format: TimestampFormat = .iso8601, created: String? = nil
    ) -> Source {
        Source(
            name: "raw_source", kind: .postgres, table: table, query: query, timestampField: "ts",
            createdTimestampField: created,
            schema: [
                Field(name: "k", type: .int64), Field(name: "ts", type: .timestamp), Field(name: "x", type: .float64),
            ]
                + (created.map { [Field(name: $0, type: .timestamp)] } ?? []),
            timestampFormat: format)
    }

    /// Creates `table` with `columns` and `values`, and reads its latest rows.
    func latest(columns: String, values: String, format: TimestampFormat, table: String) throws -> [LatestRow] {
        try session.query("CREATE TABLE \(quoteIdentifier(table)) (\(columns))")
        try session.query("INSERT INTO \(quoteIdentifier(table)) VALUES \(values)")
        return try latest(source(table: table, format: format))
    }

    func latest(_ source: Source) throws -> [LatestRow] {
        var rows: [LatestRow] = []
        try store.scanLatestRows(
            history: .inPlace(source), viewName: "raw_view", joinKeys: joinKeys, features: features,
            from: .earliestValid, to: .latestValid, arrivedAfter: nil, entities: nil, batchSize: 10
        ) { rows += $0 }
        return rows
    }

    /// The error of reading the source (one that must fail).
    func failure(table: String? = nil, query: String? = nil) -> FeatureStoreError? {
        do {
            _ = try latest(source(table: table, query: query))
            return nil
        } catch {
            return error as? FeatureStoreError
        }
    }

    /// The messages of the training set and of materialization over the source, which must both
    /// fail with `invalidInput`; the training set leaves no output file.
    func failures(table: String, created: String? = nil) throws -> [String] {
        let source = self.source(table: table, created: created)
        let view = FeatureView(name: "raw_view", entities: ["e"], source: "raw_source", features: features)
        let spine = try directory.write("spine.csv", "k,event_timestamp\n1,2026-01-02T00:00:00Z\n")
        let output = directory.file("out.csv")
        var messages: [String] = []
        do {
            _ = try store.trainingSet(
                spine: spine, spineFormat: .csv,
                views: [
                    TrainingSetView(
                        view: view, joinKeys: joinKeys, history: .inPlace(source), features: features,
                        outputNames: ["x"])
                ], output: output, outputFormat: .csv, profile: false)
            messages.append("no error from the training set")
        } catch let error as FeatureStoreError {
            #expect(error.code == .invalidInput, "\(error)")
            messages.append(error.message)
        }
        #expect(!FileManager.default.fileExists(atPath: output), "a training set was written")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(!leftovers.contains { $0.hasPrefix("out.csv") }, "\(leftovers)")
        do {
            _ = try latest(source)
            messages.append("no error from materialization")
        } catch let error as FeatureStoreError {
            #expect(error.code == .invalidInput, "\(error)")
            messages.append(error.message)
        }
        return messages
    }
}
