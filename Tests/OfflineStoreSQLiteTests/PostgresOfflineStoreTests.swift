import FeatureStoreCore
import Foundation
import OfflineStorePostgres
import OfflineStoreSQLite
import PostgresClient
import PostgresTestSupport
import Testing

/// The PostgreSQL offline store against the same references and results as SQLite: the shared
/// join code over rows streamed from PostgreSQL, ingest, push and the materialization scans.
@Suite(.serialized) struct PostgresOfflineStoreTests {
    /// The brute-force point-in-time reference over many seeds (scenarios reading a `sqlite`
    /// source in place are SQLite-only), each seed in a fresh schema of one cluster.
    @Test func pointInTimeJoinMatchesTheReferenceOnPostgres() async throws {
        try await withPostgresServerOffPool { server in
            var checked = 0
            for seed in 0..<48 {
                let scenario = JoinScenario(seed: UInt64(seed))
                if scenario.inPlace { continue }
                let directory = TestDirectory("pg-join")
                let store = try PostgresOfflineStore(
                    settings: server.settings(schema: "join\(seed)"), password: server.password)
                defer { store.close() }
                let actual = try scenario.run(in: directory, offline: store)
                let expected = scenario.expected()
                #expect(actual == expected, "seed \(seed) (\(scenario.keyKind))")
                checked += 1
            }
            #expect(checked >= 24)
        }
    }

    /// Ingest, idempotency, push and scans give what the SQLite store gives for the same data.
    @Test func ingestPushAndScansEqualSQLite() async throws {
        try await withPostgresServerOffPool { server in
            let fixture = try IngestFixture()
            let postgres = try PostgresOfflineStore(settings: server.settings(schema: "fs"), password: server.password)
            defer { postgres.close() }
            try postgres.prepare([fixture.table])
            let stores: [any OfflineHistoryStore] = [fixture.store, postgres]
            let csv = """
                \(IngestFixture.header)
                1,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,0.5,"tab\there\\\\",true
                1,2026-01-01T02:00:00Z,2026-01-01T02:00:00Z,0.75,"two, quoted",false
                2,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,-3.0,,true
                2,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,1e-300,"line
                break",

                """
            let file = try fixture.directory.write("history.csv", csv)
            var results: [[String]] = []
            for store in stores {
                let first = try store.ingest(file: file, format: .csv, into: fixture.table)
                #expect(first.inserted == 4)
                let again = try store.ingest(file: file, format: .csv, into: fixture.table)
                #expect(again.alreadyIngested != nil, "\(store.location): the same content again")
                let forced = try store.ingest(
                    file: file, format: .csv, into: fixture.table, options: IngestOptions(force: true),
                    now: Timestamp(microseconds: 0))
                #expect(forced.inserted == 4)
                let pushed = try store.append(
                    rows: [
                        [
                            .timestamp(Timestamp(microseconds: 1_767_232_800_000_000)), .null, .int64(3),
                            .float64(2.5), .string("pushed"), .bool(false),
                        ]
                    ], to: fixture.table)
                #expect(pushed.inserted == 1)
                #expect(try store.rowCount(fixture.table) == 9)
                #expect(try store.lastSequence() == 9)
                #expect(try store.ingestLog(of: fixture.table).count == 2)
                var described: [String] = []
                let joinKeys = [JoinKey(name: "driver_id", valueType: .int64)]
                let features = [
                    Feature(name: "rate", type: .float64), Feature(name: "name", type: .string),
                    Feature(name: "active", type: .bool),
                ]
                try store.scanLatestRows(
                    history: .table(fixture.table), viewName: "stats_view", joinKeys: joinKeys, features: features,
                    from: .min, to: .max, arrivedAfter: nil, entities: nil, batchSize: 2
                ) { batch in described += batch.map { "\($0)" } }
                try store.scanEvents(
                    history: .table(fixture.table), viewName: "stats_view", joinKeys: joinKeys, columns: features,
                    from: .min, to: .max, arrivedAfter: 4, batchSize: 3
                ) { batch in described += batch.map { "\($0)" } }
                described.append("\(String(describing: try store.newestEventTime(of: fixture.table)))")
                results.append(described.sorted())
            }
            #expect(results[0] == results[1])
        }
    }
}

/// The PostgreSQL server going away in the middle of an ingest or a training set.
@Suite(.serialized) struct PostgresOfflineStoreFaultTests {
    /// A file of `rows` rows for the fixture's source.
    static func bigFile(_ fixture: IngestFixture, rows: Int) throws -> String {
        var text = IngestFixture.header + "\n"
        text.reserveCapacity(rows * 72)
        for row in 0..<rows {
            let second = String(format: "%02d", row % 60)
            text += "\(row % 5_000),2026-01-01T00:00:\(second)Z,2026-01-01T00:00:\(second)Z,\(row).5,name \(row),true\n"
        }
        return try fixture.directory.write("big.csv", text)
    }

    /// Stopped mid-ingest (while its INSERTs run): the ingest fails naming the store, nothing of
    /// the file is stored, and after a restart the same file ingests cleanly, every row once.
    @Test func serverStoppedMidIngestLeavesNothingAndTheFileIngestsAfterARestart() async throws {
        try await withPostgresServerOffPool { server in
            let fixture = try IngestFixture()
            let settings = server.settings(schema: "fs")
            let store = try PostgresOfflineStore(settings: settings, password: server.password)
            defer { store.close() }
            try store.prepare([fixture.table])
            let file = try Self.bigFile(fixture, rows: 150_000)
            let watcher = PostgresSession(settings: settings, password: server.password)
            let outcome = WorkerResult()
            let table = fixture.table
            let thread = Thread {
                outcome.set(Result { try store.ingest(file: file, format: .csv, into: table) })
            }
            thread.start()
            // Wait until the ingest's transaction has sent rows, then stop the server (fast shutdown).
            // Reading and parsing the file comes first and can take many seconds on a loaded
            // machine: wait as long as the ingest runs (2 minutes at most).
            var copying = false
            for _ in 0..<12_000 where !copying && !outcome.isDone {
                copying =
                    (try? watcher.query(
                        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'INSERT INTO \"history%'"
                    ).first?.int64(0)) ?? 0 > 0
                if !copying { try await Task.sleep(for: .milliseconds(10)) }
            }
            watcher.close()
            #expect(copying, "the ingest was never seen inserting")
            server.shutDown()
            let result = try await outcome.wait()
            switch result {
            case .success(let ingested):
                Issue.record("the ingest succeeded with the server stopped: \(ingested)")
            case .failure(let error):
                let text = "\(error)"
                #expect(text.contains("PostgreSQL at"), "\(text)")
                #expect(text.contains("127.0.0.1:\(server.port)"), "\(text)")
                #expect(!text.contains(server.password))
            }
            try await server.start()
            #expect(try store.rowCount(fixture.table) == 0, "half an ingest was stored")
            #expect(try store.ingestLog(of: fixture.table).isEmpty)
            let again = try store.ingest(file: file, format: .csv, into: fixture.table)
            #expect(again.inserted == 150_000)
            #expect(try store.rowCount(fixture.table) == 150_000)
        }
    }

    /// Stopped before a training set reads: it fails naming the store and writes no output file.
    @Test func aTrainingSetWithTheServerDownWritesNoFile() async throws {
        try await withPostgresServerOffPool { server in
            let fixture = try IngestFixture()
            let store = try PostgresOfflineStore(settings: server.settings(schema: "fs"), password: server.password)
            defer { store.close() }
            try store.prepare([fixture.table])
            _ = try store.ingest(file: try Self.bigFile(fixture, rows: 1_000), format: .csv, into: fixture.table)
            let spine = try fixture.directory.write("spine.csv", "driver_id,event_timestamp\n1,2026-01-02T00:00:00Z\n")
            let view = FeatureView(
                name: "stats_view", entities: ["driver"], source: "stats",
                features: [Feature(name: "rate", type: .float64)])
            let request = TrainingSetView(
                view: view, joinKeys: [JoinKey(name: "driver_id", valueType: .int64)], history: .table(fixture.table),
                features: view.features, outputNames: ["rate"])
            let output = fixture.directory.file("out.csv")
            server.shutDown()
            #expect {
                try store.trainingSet(
                    spine: spine, spineFormat: .csv, views: [request], output: output, outputFormat: .csv,
                    profile: false)
            } throws: { error in
                "\(error)".contains("PostgreSQL at") && "\(error)".contains("127.0.0.1:\(server.port)")
            }
            #expect(!FileManager.default.fileExists(atPath: output))
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: fixture.directory.path)
            #expect(!leftovers.contains { $0.hasPrefix("out.csv") }, "\(leftovers)")
        }
    }
}

/// A result handed from a worker thread to the test.
final class WorkerResult: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Result<IngestResult, any Error>?

    func set(_ result: Result<IngestResult, any Error>) {
        lock.withLock { stored = result }
    }

    var isDone: Bool { lock.withLock { stored != nil } }

    func wait() async throws -> Result<IngestResult, any Error> {
        while true {
            if let result = lock.withLock({ stored }) { return result }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
