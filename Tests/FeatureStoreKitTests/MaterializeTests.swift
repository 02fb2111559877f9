import Foundation
import Testing

@testable import FeatureStoreKit

@Suite struct MaterializeTests {
    static let definitions = """
        entities:
          - name: user
            join_keys: [{name: user_id, value_type: string}, {name: region, value_type: int64}]
        sources:
          - name: events
            kind: csv
            path: events.csv
            timestamp_field: ts
            created_timestamp_field: created
            schema: {user_id: string, region: int64, ts: timestamp, created: timestamp, score: float64, label: string}
        feature_views:
          - name: user_scores
            entities: [user]
            source: events
            ttl: 2h
            features: [score, label]

        """

    struct Row: Hashable {
        var user: String
        var region: Int64
        var event: Int64
        var created: Int64
        var score: Double?
        var label: String
    }

    /// A repo with random rows ingested: several rows per entity, ties in event time, full ties
    /// (same event and created time) and exact duplicates, nulls.
    static func repo(seed: UInt64, _ repos: OfflineRepos = OfflineRepos(server: nil)) throws -> (FeatureStore, [Row]) {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("fs-mat-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try repos.config(project: "mat\(seed)").write(
            toFile: path + "/feature_store.yaml", atomically: true, encoding: .utf8)
        try definitions.write(toFile: path + "/repo.yaml", atomically: true, encoding: .utf8)
        var rng = SplitMix64(seed: seed)
        var rows: [Row] = []
        for _ in 0..<600 {
            if let last = rows.last, rng.next() % 10 == 0 {
                rows.append(last)
                continue
            }
            let user = ["a", "b", "c,d", "é", "z"][Int(rng.next() % 5)]
            let region = Int64(rng.next() % 3) - 1
            let event = Int64(rng.next() % 40) * 600_000_000  // 10-minute steps: many ties
            let created = event + Int64(rng.next() % 3) * 1_000_000
            let score: Double? = rng.next() % 7 == 0 ? nil : Double(rng.next() % 1000) / 8
            rows.append(
                Row(
                    user: user, region: region, event: event, created: created, score: score,
                    label: "l\(rng.next() % 9)"))
        }
        var csv = "user_id,region,ts,created,score,label\n"
        for row in rows {
            let user = row.user.contains(",") ? "\"\(row.user)\"" : row.user
            csv +=
                "\(user),\(row.region),\(Timestamp(microseconds: row.event).rfc3339),\(Timestamp(microseconds: row.created).rfc3339),\(row.score.map { "\($0)" } ?? ""),\(row.label)\n"
        }
        try csv.write(toFile: path + "/events.csv", atomically: true, encoding: .utf8)
        let store = try repos.open(path, clock: { Timestamp(seconds: 1_000_000) })
        _ = try store.apply()
        _ = try store.ingest(source: "events", file: path + "/events.csv")
        return (store, rows)
    }

    /// The brute-force reference: per entity, the row with the greatest (event, created) in range,
    /// the later arrival (file order) winning a full tie.
    static func reference(_ rows: [Row], from: Int64, to: Int64) -> [[FeatureValue]: Row] {
        var best: [[FeatureValue]: Row] = [:]
        for row in rows where row.event >= from && row.event <= to {
            let key: [FeatureValue] = [.string(row.user), .int64(row.region)]
            if let current = best[key], (current.event, current.created) > (row.event, row.created) { continue }
            best[key] = row
        }
        return best
    }

    static let keyspace = OnlineKeyspace(view: "user_scores", generation: 1)

    func expectOnline(_ store: FeatureStore, equals expected: [[FeatureValue]: Row]) throws {
        let online = try #require(try store.onlineStore() as? OnlineStore)
        for user in ["a", "b", "c,d", "é", "z"] {
            for region in Int64(-1)...1 {
                let key: [FeatureValue] = [.string(user), .int64(region)]
                let record = try online.record(key, in: Self.keyspace)
                guard let row = expected[key] else {
                    #expect(record == nil, "\(key) should not be online")
                    continue
                }
                #expect(record?.eventTime.microseconds == row.event, "\(key)")
                #expect(record?.createdTime.microseconds == row.created, "\(key)")
                #expect(
                    record?.values.map(\.value) == [row.score.map(FeatureValue.float64) ?? .null, .string(row.label)],
                    "\(key)")
            }
        }
    }

    /// On both offline stores: the latest-row scan is the offline store's.
    @Test(arguments: OfflineBackend.allCases)
    func materializeMatchesTheReference(backend: OfflineBackend) async throws {
        try await backend.run { repos in
            for seed in UInt64(0)..<8 { try checkMaterialize(seed: seed, repos) }
        }
    }

    func checkMaterialize(seed: UInt64, _ repos: OfflineRepos) throws {
        let (store, rows) = try Self.repo(seed: seed, repos)
        var rng = SplitMix64(seed: seed &+ 100)
        let a = Int64(rng.next() % 40) * 600_000_000
        let b = Int64(rng.next() % 40) * 600_000_000
        let (from, to) = (min(a, b), max(a, b))
        let report = try store.materialize(from: Timestamp(microseconds: from), to: Timestamp(microseconds: to))
        let expected = Self.reference(rows, from: from, to: to)
        #expect(report.views.first?.entities == expected.count, "seed \(seed)")
        try expectOnline(store, equals: expected)
        // Re-running the range changes nothing.
        let again = try store.materialize(from: Timestamp(microseconds: from), to: Timestamp(microseconds: to))
        #expect(again.written == 0)
        try expectOnline(store, equals: expected)
    }

    @Test func olderRangesNeverOverwriteNewerValues() throws {
        let (store, rows) = try Self.repo(seed: 42)
        let end: Int64 = 39 * 600_000_000
        _ = try store.materialize(from: Timestamp(microseconds: 0), to: Timestamp(microseconds: end))
        _ = try store.materialize(from: Timestamp(microseconds: 0), to: Timestamp(microseconds: end / 2))
        try expectOnline(store, equals: Self.reference(rows, from: 0, to: end))
    }

    @Test func incrementalRunsContinueFromTheWatermark() throws {
        let (store, rows) = try Self.repo(seed: 7)
        let first = Timestamp(microseconds: 20 * 600_000_000)
        let report = try store.materializeIncremental(to: first)
        // First run: END - ttl (2h).
        #expect(report.views.first?.from == first - .hours(2))
        #expect(report.views.first?.to == first)
        try expectOnline(
            store, equals: Self.reference(rows, from: (first - .hours(2)).microseconds, to: first.microseconds))
        let second = Timestamp(microseconds: 39 * 600_000_000)
        let next = try store.materializeIncremental(to: second)
        #expect(next.views.first?.from == first)
        #expect(next.views.first?.to == second)
        let watermarks = try store.registry().watermarks(for: try store.snapshot())
        #expect(watermarks["user_scores"]?.watermark == second)
        // The union of both ranges, newest per entity.
        try expectOnline(
            store, equals: Self.reference(rows, from: (first - .hours(2)).microseconds, to: second.microseconds))
    }

    @Test func aRunningMaterializationLocksOthersOut() throws {
        let (store, _) = try Self.repo(seed: 1)
        let lock = try FileLock(path: store.config.onlineStorePath + ".materialize.lock", purpose: "test")
        let error = #expect(throws: FeatureStoreError.self) {
            try store.materializeIncremental(to: Timestamp(seconds: 10))
        }
        #expect(error?.code == .locked)
        #expect(error?.message.contains("pid \(getpid())") == true)
        withExtendedLifetime(lock) {}
    }

    @Test func unknownAndOfflineViewsAreNamed() throws {
        let (store, _) = try Self.repo(seed: 2)
        let error = #expect(throws: FeatureStoreError.self) {
            try store.materialize(from: Timestamp(seconds: 0), to: Timestamp(seconds: 1), views: ["user_score"])
        }
        #expect(error?.code == .notFound)
        #expect(error?.message.contains("Did you mean 'user_scores'?") == true)
    }

    @Test func onlineLookupGivesFeastStatuses() throws {
        let (store, rows) = try Self.repo(seed: 3)
        let end = Timestamp(microseconds: 39 * 600_000_000)
        _ = try store.materialize(from: Timestamp(microseconds: 0), to: end)
        let expected = Self.reference(rows, from: 0, to: end.microseconds)
        let entities = EntityRows(columns: [
            ("user_id", [.string("a"), .string("nobody")]), ("region", [.int64(0), .int64(0)]),
        ])
        // The store's clock is far in the future: everything is outside the 2h ttl.
        let stale = try store.getOnlineFeatures(
            references: [FeatureReference(view: "user_scores", feature: "score")], entities: entities)
        #expect(stale.featureNames == ["user_id", "region", "score"])
        #expect(
            stale.columns[2].map(\.status) == [
                expected[[.string("a"), .int64(0)]] == nil ? .notFound : .outsideMaxAge, .notFound,
            ])
        let fresh = try FeatureStore(repo: store.repoPath, clock: { end })
        fresh.use(onlineStore: try store.onlineStore())  // One process opens RocksDB once.
        let response = try fresh.getOnlineFeatures(
            references: [FeatureReference(view: "user_scores", feature: "*")], entities: entities)
        let row = try #require(expected[[.string("a"), .int64(0)]])
        #expect(response.columns[2][0].value == (row.score.map(FeatureValue.float64) ?? .null))
        #expect(
            response.columns[3][0]
                == OnlineValue(
                    value: .string(row.label), status: .present, eventTime: Timestamp(microseconds: row.event)))
    }
}
