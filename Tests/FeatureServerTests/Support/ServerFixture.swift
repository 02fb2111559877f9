import FeatureServer
import FeatureStoreKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// A fresh demo repo plus a push source, applied, and a server over it with a fixed clock.
struct ServerFixture {
    /// The fixed "now" of every test server.
    static let now = Timestamp.parse("2026-11-20T00:00:00Z")!

    let repo: String
    let server: FeatureServer

    /// The push source and view added to the demo repo.
    static let pushYAML = """
        entities:
          - name: rider
            join_keys:
              - name: rider_id
                value_type: int64

        sources:
          - name: driver_events
            kind: push
            timestamp_field: event_timestamp
            schema:
              driver_id: int64
              event_timestamp: timestamp
              rating: float64
              city: string
          - name: pair_events
            kind: push
            timestamp_field: event_timestamp
            schema:
              driver_id: int64
              rider_id: int64
              event_timestamp: timestamp
              trips: int64

        feature_views:
          - name: driver_live
            entities: [driver]
            source: driver_events
            ttl: 1h
            features:
              - name: rating
                type: float64
              - name: city
                type: string
          - name: pair_stats
            entities: [driver, rider]
            source: pair_events
            features:
              - name: trips
                type: int64

        """

    /// Driver stats rows within a day of ``now``, for materialization tests.
    static let statsCSV = """
        driver_id,event_timestamp,created,conv_rate,acc_rate,avg_daily_trips
        1001,2026-11-19T20:00:00Z,2026-11-19T20:00:01Z,0.5,0.9,10
        1001,2026-11-19T22:00:00Z,2026-11-19T22:00:01Z,0.6,0.8,11
        1002,2026-11-19T21:00:00Z,2026-11-19T21:00:01Z,0.7,0.7,12

        """

    /// Creates the repo, applies it (and ingests ``statsCSV`` when `withStats`), then opens a server.
    ///
    /// - Parameters:
    ///   - settings: YAML appended to `feature_store.yaml` (`auth:`, `cors_origins:`, ...).
    ///   - logs: where the server logs, when a test reads them.
    ///   - beforeOpening: runs with the repo's path before the server opens (to write files).
    static func make(
        withStats: Bool = false, settings: String = "", logs: LogRecorder? = nil,
        configure: (inout ServerConfiguration) -> Void = { _ in }, beforeOpening: (String) throws -> Void = { _ in }
    ) async throws -> ServerFixture {
        let repo = (NSTemporaryDirectory() as NSString).appendingPathComponent(
            "fs-server-\(UUID().uuidString.prefix(8))")
        try DemoRepo.write(to: repo, writeData: false)
        try pushYAML.write(toFile: repo + "/push.yaml", atomically: true, encoding: .utf8)
        if !settings.isEmpty {
            let config = try String(contentsOfFile: repo + "/feature_store.yaml", encoding: .utf8)
            try (config + "\n" + settings + "\n").write(
                toFile: repo + "/feature_store.yaml", atomically: true, encoding: .utf8)
        }
        try setUpStores(repo: repo, withStats: withStats)
        try beforeOpening(repo)
        return try await open(repo: repo, logs: logs, configure: configure)
    }

    /// Opens a server over an existing repo (a restart, once the previous server is released).
    static func open(
        repo: String, logs: LogRecorder? = nil, configure: (inout ServerConfiguration) -> Void = { _ in }
    ) async throws -> ServerFixture {
        var configuration = ServerConfiguration(port: 0, schedulerEnabled: false, environment: [:])
        try configuration.setLogLevel(named: logs == nil ? "error" : "debug")
        configure(&configuration)
        let server = try await FeatureServer(
            repo: repo, configuration: configuration, clock: { ServerFixture.now }, logger: logs?.logger)
        return ServerFixture(repo: repo, server: server)
    }

    /// Applies (and ingests) with a store that is released before the server opens RocksDB.
    private static func setUpStores(repo: String, withStats: Bool) throws {
        let store = try FeatureStore(repo: repo, clock: { ServerFixture.now })
        _ = try store.apply()
        if withStats {
            try FileManager.default.createDirectory(atPath: repo + "/data", withIntermediateDirectories: true)
            try statsCSV.write(toFile: repo + "/data/driver_stats.csv", atomically: true, encoding: .utf8)
            _ = try store.ingest(source: "driver_hourly_stats_source", file: repo + "/data/driver_stats.csv")
        }
    }

    /// Runs `body` against the server without background services: in process (no socket) by
    /// default, or `.live` on a real socket (then `client.port` is the port).
    func test(
        _ framework: TestingSetup = .router, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        try await server.application(backgroundServices: false).test(framework) { client in try await body(client) }
    }

    /// Rows in the offline history of `source` (read through a second connection).
    func offlineRows(source: String) throws -> Int64 {
        let store = try FeatureStore(repo: repo)
        let snapshot = try store.snapshot()
        guard let table = store.historyTables(snapshot).first(where: { $0.source.name == source }) else { return -1 }
        return try store.offlineStore().rowCount(table)
    }
}

/// A decoded JSON answer.
struct Answer: @unchecked Sendable {
    var status: Int
    var json: [String: Any]
    var headers: HTTPFields = [:]

    /// `error.request_id`, when present.
    var errorRequestID: String? { (json["error"] as? [String: Any])?["request_id"] as? String }

    /// `{"error": {"code", "message"}}`, when present.
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    var errorMessage: String { (json["error"] as? [String: Any])?["message"] as? String ?? "" }

    /// Feast's `metadata.feature_names`.
    var featureNames: [String] { (json["metadata"] as? [String: Any])?["feature_names"] as? [String] ?? [] }

    /// Feast's `results[index]`: values, statuses and event timestamps of one column.
    func column(_ index: Int) -> (values: [Any], statuses: [String], timestamps: [String]) {
        let results = json["results"] as? [[String: Any]] ?? []
        guard index < results.count else { return ([], [], []) }
        let result = results[index]
        return (
            result["values"] as? [Any] ?? [], result["statuses"] as? [String] ?? [],
            result["event_timestamps"] as? [String] ?? []
        )
    }

    /// The column named `name`.
    func column(named name: String) -> (values: [Any], statuses: [String], timestamps: [String]) {
        guard let index = featureNames.firstIndex(of: name) else { return ([], [], []) }
        return column(index)
    }
}

extension TestClientProtocol {
    /// POSTs `body` (JSON text) and decodes the answer.
    func post(_ uri: String, _ body: String, headers: HTTPFields = [:]) async throws -> Answer {
        try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body)) { response in
            try Answer(status: response.status.code, json: decode(response.body), headers: response.headers)
        }
    }

    /// GETs `uri` and decodes the JSON answer.
    func get(_ uri: String, headers: HTTPFields = [:]) async throws -> Answer {
        try await execute(uri: uri, method: .get, headers: headers) { response in
            try Answer(status: response.status.code, json: decode(response.body), headers: response.headers)
        }
    }

    /// GETs `uri` as text.
    func getText(_ uri: String, headers: HTTPFields = [:]) async throws -> (status: Int, text: String) {
        try await execute(uri: uri, method: .get, headers: headers) { response in
            (response.status.code, String(buffer: response.body))
        }
    }
}

private func decode(_ body: ByteBuffer) throws -> [String: Any] {
    let data = Data(body.readableBytesView)
    if data.isEmpty { return [:] }
    guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        Issue.record("the answer is not a JSON object: \(String(decoding: data, as: UTF8.self))")
        return [:]
    }
    return object
}
