import FeatureRegistry
import Foundation
import SQLite
import Testing

@testable import FeatureStoreKit

/// Regressions for issue 9's storage findings: applies never lose rows, writes racing an apply are
/// refused rather than lost, late rows reach the online store, materialization never passes now,
/// teardown deletes only what fs created.
@Suite struct DataIntegrityTests {
    static let now = Timestamp.parse("2026-01-02T00:00:00Z")!

    /// A repo with a `trips` source (driver and rider, the rider sometimes missing) and the given
    /// extra YAML.
    static func repo(views: String, schemaExtra: String = "") throws -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("fs-integrity-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try "project: integrity\n".write(toFile: path + "/feature_store.yaml", atomically: true, encoding: .utf8)
        try write(path, views: views, schemaExtra: schemaExtra)
        return path
    }

    static func write(_ repo: String, views: String, schemaExtra: String = "") throws {
        let text = """
            entities:
              - {name: driver, join_keys: [{name: driver_id, value_type: int64}]}
              - {name: rider, join_keys: [{name: rider_id, value_type: int64}]}
            sources:
              - name: trips
                kind: csv
                path: trips.csv
                timestamp_field: ts
                schema: {driver_id: int64, rider_id: int64, ts: timestamp, fare: float64\(schemaExtra)}
            feature_views:
            \(views)
            """
        try text.write(toFile: repo + "/repo.yaml", atomically: true, encoding: .utf8)
    }

    static let driverView = """
          - {name: driver_fares, entities: [driver], source: trips, ttl: 0, features: [fare]}
        """
    static let riderView = """
          - {name: rider_fares, entities: [rider], source: trips, ttl: 0, features: [fare]}
        """

    static func store(_ repo: String, clock: Timestamp = now) throws -> FeatureStore {
        try FeatureStore(repo: repo, clock: { clock })
    }

    static func ingest(_ store: FeatureStore, _ csv: String, name: String = UUID().uuidString) throws -> IngestResult {
        let path = store.repoPath + "/\(name).csv"
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        return try store.ingest(source: "trips", file: path)
    }

    static func rowCount(_ store: FeatureStore) throws -> Int64 {
        let snapshot = try store.snapshot()
        return try store.offlineStore().rowCount(store.historyTables(snapshot)[0])
    }

    /// Regression (finding 3): adding a view keyed by another column re-laid the table with
    /// `INSERT OR IGNORE` into NOT NULL key columns, dropping rows without that column.
    @Test func addingAViewWithAnotherJoinKeyKeepsEveryRow() throws {
        let repo = try Self.repo(views: Self.driverView)
        let store = try Self.store(repo)
        try store.apply()
        let csv = """
            driver_id,rider_id,ts,fare
            1,,2026-01-01T10:00:00Z,5.0
            1,7,2026-01-01T10:00:00Z,6.0
            2,,2026-01-01T11:00:00Z,7.0

            """
        #expect(try Self.ingest(store, csv).inserted == 3)
        try Self.write(repo, views: Self.driverView + "\n" + Self.riderView)
        let applied = try Self.store(repo).apply()
        #expect(!applied.plan.isEmpty && applied.plan.breakingChanges.isEmpty)
        #expect(try Self.rowCount(Self.store(repo)) == 3)
        // Narrowing the views back (only the rider) keeps every row too; nothing collapses.
        try Self.write(repo, views: Self.riderView)
        try Self.store(repo).apply()
        #expect(try Self.rowCount(Self.store(repo)) == 3)
    }

    @Test func addingAColumnKeepsEveryRowAndOlderRowsReadNull() throws {
        let repo = try Self.repo(views: Self.driverView)
        let store = try Self.store(repo)
        try store.apply()
        _ = try Self.ingest(store, "driver_id,rider_id,ts,fare\n1,2,2026-01-01T10:00:00Z,5.0\n")
        try Self.write(
            repo,
            views: "  - {name: driver_fares, entities: [driver], source: trips, ttl: 0, features: [fare, tip]}",
            schemaExtra: ", tip: float64")
        // The first store keeps the online store open (one RocksDB handle per process): go on with it.
        let applied = try store.apply()
        #expect(applied.plan.breakingChanges.isEmpty)
        #expect(applied.notes.contains { $0.contains("'tip'") })
        _ = try Self.ingest(store, "driver_id,rider_id,ts,tip,fare\n1,2,2026-01-01T11:00:00Z,1.5,6.0\n")
        #expect(try Self.rowCount(store) == 2)
        try store.materialize(from: .distantPast, to: Self.now)
        let response = try store.getOnlineFeatures(
            references: [FeatureReference(view: "driver_fares", feature: "*")],
            entities: EntityRows(columns: [("driver_id", [.int64(1)])]))
        #expect(response.columns.dropFirst().map { $0[0].value } == [.float64(6.0), .float64(1.5)])
    }

    /// Tables of the layout before arrival numbers are copied, every row, by the next apply.
    @Test func legacyHistoryTablesAreMigratedWithEveryRow() throws {
        let repo = try Self.repo(views: Self.driverView)
        let store = try Self.store(repo)
        try store.apply()
        let database = try Database(path: store.config.offlineStorePath)
        try database.execute(
            """
            DROP TABLE history_trips_g1;
            CREATE TABLE history_trips_g1_0123456789abcdef (driver_id INTEGER NOT NULL, __event_ts INTEGER NOT NULL,
              __created_ts INTEGER NOT NULL, rider_id INTEGER, fare REAL,
              PRIMARY KEY (driver_id, __event_ts, __created_ts)) WITHOUT ROWID;
            INSERT INTO history_trips_g1_0123456789abcdef VALUES (1, 10, 0, 3, 1.5), (1, 30, 0, NULL, 2.5), (2, 20, 0, 4, 3.5);
            """)
        let error = #expect(throws: FeatureStoreError.self) {
            try Self.ingest(Self.store(repo), "driver_id,rider_id,ts,fare\n1,2,2026-01-01T10:00:00Z,5.0\n")
        }
        #expect(error?.message.contains("run fs apply to migrate it") == true)
        let applied = try Self.store(repo).apply()
        #expect(applied.plan.isEmpty)
        #expect(applied.notes == ["Migrated 3 rows of source 'trips' to the current history layout."])
        #expect(try Self.rowCount(Self.store(repo)) == 3)
        #expect(try !database.tableExists("history_trips_g1_0123456789abcdef"))
        let fares = try database.prepare("SELECT fare FROM history_trips_g1 ORDER BY __seq")
        var values: [Double] = []
        while try fares.step() { values.append(fares.double(0)) }
        #expect(values == [1.5, 3.5, 2.5])
    }

    /// A push prepared against the old definitions and written after a breaking apply dropped its
    /// table is refused (nothing written), never acknowledged and lost.
    @Test func aWriteRacingABreakingApplyIsRefused() throws {
        let repo = try Self.repo(views: Self.driverView)
        let store = try Self.store(repo)
        try store.apply()
        let stale = store.historyTables(try store.snapshot())[0]
        try (try String(contentsOfFile: repo + "/repo.yaml", encoding: .utf8))
            .replacingOccurrences(of: "fare: float64", with: "fare: int64")
            .replacingOccurrences(of: "features: [fare]", with: "features: [{name: fare, type: int64}]")
            .write(toFile: repo + "/repo.yaml", atomically: true, encoding: .utf8)
        try Self.store(repo).apply(allowBreaking: true)
        let error = #expect(throws: FeatureStoreError.self) {
            try store.offlineStore().append(
                rows: [[.timestamp(Self.now), .null, .int64(1), .int64(2), .float64(1)]], to: stale)
        }
        #expect(error?.code == .conflict)
        #expect(error?.message.contains("retry") == true)
    }

    /// Regression (finding 8): a row whose event time is before a view's watermark when it
    /// arrives was skipped by every later incremental run.
    @Test func lateRowsReachTheOnlineStoreOnTheNextIncrementalRun() throws {
        let repo = try Self.repo(views: Self.driverView)
        let store = try Self.store(repo)
        try store.apply()
        _ = try Self.ingest(
            store, "driver_id,rider_id,ts,fare\n1,,2026-01-01T10:00:00Z,1.0\n2,,2026-01-01T10:00:00Z,2.0\n")
        try store.materializeIncremental(to: Timestamp.parse("2026-01-01T12:00:00Z")!)
        // Late: driver 3 is new; driver 1 gets a newer value (still before the watermark); driver 2
        // an older one, which must not replace what is online.
        _ = try Self.ingest(
            store,
            "driver_id,rider_id,ts,fare\n3,,2026-01-01T09:00:00Z,3.0\n1,,2026-01-01T11:00:00Z,1.5\n2,,2026-01-01T09:00:00Z,0.5\n"
        )
        let next = try store.materializeIncremental(to: Timestamp.parse("2026-01-01T13:00:00Z")!)
        #expect(next.views[0].entities == 3)
        let response = try store.getOnlineFeatures(
            references: [FeatureReference(view: "driver_fares", feature: "fare")],
            entities: EntityRows(columns: [("driver_id", [.int64(1), .int64(2), .int64(3)])]))
        #expect(response.columns[1].map(\.value) == [.float64(1.5), .float64(2.0), .float64(3.0)])
        // The run after that has nothing late left to read.
        let third = try store.materializeIncremental(to: Timestamp.parse("2026-01-01T14:00:00Z")!)
        #expect(third.rowsScanned == 0)
    }

    /// A row arriving later with the same event and created time as the online value wins, as it
    /// does in a training set (the later arrival wins a full tie); re-running changes nothing.
    @Test func aLaterArrivalWithEqualTimesReplacesTheOnlineValueAsOffline() throws {
        let repo = try Self.repo(views: Self.driverView)
        let store = try Self.store(repo)
        try store.apply()
        _ = try Self.ingest(store, "driver_id,rider_id,ts,fare\n1,,2026-01-01T10:00:00Z,1.0\n")
        try store.materializeIncremental(to: Timestamp.parse("2026-01-01T12:00:00Z")!)
        _ = try Self.ingest(store, "driver_id,rider_id,ts,fare\n1,,2026-01-01T10:00:00Z,2.0\n")
        let next = try store.materializeIncremental(to: Timestamp.parse("2026-01-01T13:00:00Z")!)
        #expect(next.written == 1)
        let lookup = {
            try store.getOnlineFeatures(
                references: [FeatureReference(view: "driver_fares", feature: "fare")],
                entities: EntityRows(columns: [("driver_id", [.int64(1)])])
            ).columns[1][0].value
        }
        #expect(try lookup() == .float64(2.0))
        let again = try store.materialize(from: .distantPast, to: Self.now)
        #expect(again.written == 0)
        #expect(try lookup() == .float64(2.0))
    }

    /// Regression (finding 7): a far-future END moved every watermark to year 9999, after which no
    /// incremental run materialized anything.
    @Test func materializationNeverPassesNowAndAFutureWatermarkRecovers() throws {
        let repo = try Self.repo(views: Self.driverView)
        let store = try Self.store(repo)
        try store.apply()
        _ = try Self.ingest(store, "driver_id,rider_id,ts,fare\n1,,2026-01-01T10:00:00Z,1.0\n")
        let farFuture = Timestamp.parse("9999-12-31T23:59:59Z")!
        let report = try store.materializeIncremental(to: farFuture)
        #expect(report.requestedEnd == farFuture)
        #expect(report.views[0].to == Self.now)
        let snapshot = try store.snapshot()
        #expect(try store.registry().watermarks(for: snapshot)["driver_fares"]?.watermark == Self.now)
        // A watermark an earlier version left in the future is brought back, and rows that arrive
        // afterwards are materialized.
        let registry = try Database(path: store.config.registryPath)
        try registry.execute("UPDATE materialization_watermarks SET watermark = \(farFuture.microseconds)")
        _ = try Self.ingest(store, "driver_id,rider_id,ts,fare\n1,,2026-01-01T20:00:00Z,9.0\n")
        try store.materializeIncremental(to: Self.now)
        #expect(try store.registry().watermarks(for: snapshot)["driver_fares"]?.watermark == Self.now)
        let response = try store.getOnlineFeatures(
            references: [FeatureReference(view: "driver_fares", feature: "fare")],
            entities: EntityRows(columns: [("driver_id", [.int64(1)])]))
        #expect(response.columns[1][0].value == .float64(9.0))
    }

    /// Regression (finding 7): an event time far in the future was ingested and would pin the
    /// entity's online value; `future_skew` (default 1 day) bounds how far ahead a time may be.
    @Test func ingestRefusesEventTimesBeyondTheFutureSkew() throws {
        let repo = try Self.repo(views: Self.driverView)
        let store = try Self.store(repo)
        try store.apply()
        let csv = "driver_id,rider_id,ts,fare\n1,,2026-01-01T10:00:00Z,1.0\n2,,2026-01-03T00:00:01Z,2.0\n"
        let error = #expect(throws: FeatureStoreError.self) { try Self.ingest(store, csv, name: "future") }
        #expect(error?.message.contains("future.csv:3: column 'ts'") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("future_skew") == true)
        #expect(try Self.rowCount(store) == 0)
        // A larger skew, set in feature_store.yaml, admits it.
        try "project: integrity\nfuture_skew: 2d\n".write(
            toFile: repo + "/feature_store.yaml", atomically: true, encoding: .utf8)
        let wider = try Self.store(repo)
        #expect(try Self.ingest(wider, csv, name: "future").inserted == 2)
        try "project: integrity\nfuture_skew: 400d\n".write(
            toFile: repo + "/feature_store.yaml", atomically: true, encoding: .utf8)
        let tooLong = #expect(throws: FeatureStoreError.self) { try Self.store(repo) }
        #expect(tooLong?.description.contains("future_skew") == true)
    }

    /// Regression (finding 10): teardown deleted whatever feature_store.yaml pointed at.
    @Test func teardownDeletesOnlyWhatFSCreatedInsideTheRepo() throws {
        let repo = try Self.repo(views: Self.driverView)
        let outside = (NSTemporaryDirectory() as NSString).appendingPathComponent("fs-outside-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try "keep me".write(toFile: outside + "/precious.txt", atomically: true, encoding: .utf8)
        try "project: integrity\nregistry: \(outside)/registry.db\n".write(
            toFile: repo + "/feature_store.yaml", atomically: true, encoding: .utf8)
        do {
            let store = try Self.store(repo)
            try store.apply()
            let refused = #expect(throws: FeatureStoreError.self) { try store.teardown() }
            #expect(refused?.message.contains("--force-outside-repo") == true)
            #expect(FileManager.default.fileExists(atPath: outside + "/registry.db"))
            #expect(FileManager.default.fileExists(atPath: store.config.offlineStorePath))
        }
        // A store path naming something fs did not create is refused too.
        try "project: integrity\noffline_store: {type: sqlite, path: notes.txt}\n".write(
            toFile: repo + "/feature_store.yaml", atomically: true, encoding: .utf8)
        try "my notes".write(toFile: repo + "/notes.txt", atomically: true, encoding: .utf8)
        #expect(throws: FeatureStoreError.self) { try Self.store(repo).teardown() }
        #expect(FileManager.default.fileExists(atPath: repo + "/notes.txt"))
        // With permission, only fs's files go; a foreign file in the online folder stays.
        try "project: integrity\nregistry: \(outside)/registry.db\n".write(
            toFile: repo + "/feature_store.yaml", atomically: true, encoding: .utf8)
        let online = try Self.store(repo).config.onlineStorePath
        do { _ = try Self.store(repo).onlineStore() }  // creates the RocksDB folder, then closes it
        try "mine".write(toFile: online + "/README", atomically: true, encoding: .utf8)
        let report = try FeatureStore(repo: repo).teardown(outsideRepo: true)
        #expect(report.removed.contains(outside + "/registry.db"))
        #expect(report.kept.contains { $0.hasSuffix("README: not a RocksDB file, so fs did not create it") })
        #expect(FileManager.default.fileExists(atPath: outside + "/precious.txt"))
        #expect(!FileManager.default.fileExists(atPath: outside + "/registry.db"))
        #expect(FileManager.default.fileExists(atPath: online + "/README"))
        #expect(!FileManager.default.fileExists(atPath: online + "/CURRENT"))
    }

    /// Stores in PostgreSQL or Redis are shared with other machines: teardown removes the repo's
    /// own files and says it left those (it does not even connect to them).
    @Test func teardownLeavesSharedStoresAndSaysSo() throws {
        let repo = try Self.repo(views: Self.driverView)
        try """
        project: integrity
        offline_store: {type: postgres, dsn: "postgresql://fs@127.0.0.1:1/fs", schema: history}
        online_store: {type: redis, connection_string: "127.0.0.1:1"}

        """.write(toFile: repo + "/feature_store.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: repo + "/.fs", withIntermediateDirectories: true)
        _ = try Registry(path: repo + "/.fs/registry.db")
        let report = try Self.store(repo).teardown()
        #expect(report.removed.contains { $0.hasSuffix("/.fs/registry.db") })
        #expect(report.kept.count == 2, "\(report.kept)")
        #expect(
            report.kept.contains {
                $0.hasPrefix("the offline store in PostgreSQL (postgresql://fs@127.0.0.1:1/fs (schema history))")
                    && $0.contains("drop schema history by hand")
            }, "\(report.kept)")
        #expect(
            report.kept.contains {
                $0.hasPrefix("the online store in Redis (127.0.0.1:1)") && $0.contains("project integrity")
            }, "\(report.kept)")
    }
}
