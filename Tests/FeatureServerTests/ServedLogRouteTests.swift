import FeatureStoreKit
import Foundation
import HTTPTypes
import HummingbirdTesting
import SQLite
import Testing

@testable import FeatureServer

/// Lookups of a feature service with `logging:` land in its log table, exactly: one row per
/// sampled entity row, Feast's column names, the request id the caller got back.
@Suite struct ServedLogRouteTests {
    static let servicesYAML = """
        feature_services:
          - name: logged
            features: ["driver_live:*", "pair_stats:trips"]
            logging: {sample_rate: 1}
          - name: logged_by_key
            features: ["driver_live:rating"]
            logging: {sample_rate: 0.5, sample_by: key}

        """

    static let requestID = HTTPField.Name("X-Request-ID")!

    /// The fixture with the logging services applied.
    static func make(configure: (inout ServerConfiguration) -> Void = { _ in }) async throws -> ServerFixture {
        try await ServerFixture.make(
            configure: configure,
            beforeOpening: { repo in
                try servicesYAML.write(toFile: repo + "/logged.yaml", atomically: true, encoding: .utf8)
                _ = try FeatureStore(repo: repo, clock: { ServerFixture.now }).apply()
            })
    }

    static func seed(_ client: any TestClientProtocol) async throws {
        try await OnlineFeaturesRouteTests.seed(client)
        let pairs = try await client.post(
            "/write-to-online-store",
            #"""
            {"feature_view_name": "pair_stats", "df": {"driver_id": [1001], "rider_id": [7], "trips": [3],
             "event_timestamp": ["2026-11-19T12:00:00Z"]}}
            """#)
        #expect(pairs.status == 200, "\(pairs.json)")
    }

    static let layout = ServedLogLayout(
        service: "logged", keys: [Field(name: "driver_id", type: .int64), Field(name: "rider_id", type: .int64)],
        features: [
            .init(view: "driver_live", feature: "rating", type: .float64),
            .init(view: "driver_live", feature: "city", type: .string),
            .init(view: "pair_stats", feature: "trips", type: .int64),
        ])

    func rows(_ fixture: ServerFixture, _ layout: ServedLogLayout = Self.layout) throws -> [ServedLogRow] {
        try FeatureStore(repo: fixture.repo).offlineStore().servedLogRows(layout)
    }

    @Test(arguments: ["/get-online-features", "/feast.serving.ServingService/GetOnlineFeatures"])
    func everyLookupRowIsLoggedExactly(path: String) async throws {
        let fixture = try await Self.make()
        try await fixture.test { client in
            try await Self.seed(client)
            let answer = try await client.post(
                path,
                #"{"feature_service": "logged", "entities": {"driver_id": [1001, 1002, 4242], "rider_id": [7, 7, 7]}}"#,
                headers: [Self.requestID: "req-1"])
            #expect(answer.status == 200, "\(answer.json)")
            #expect(answer.headers[Self.requestID] == "req-1")
            let second = try await client.post(
                path, #"{"feature_service": "logged", "entities": {"driver_id": [1001], "rider_id": [8]}}"#)
            let generated = try #require(second.headers[Self.requestID])
            #expect(fixture.server.servedLog.pendingRows == 4)
            #expect(await fixture.server.servedLog.flush() == 4)
            #expect(fixture.server.servedLog.pendingRows == 0)

            let now = ServerFixture.now
            let t2330 = Timestamp.parse("2026-11-19T23:30:00Z")!
            let t2345 = Timestamp.parse("2026-11-19T23:45:00Z")!
            let t1200 = Timestamp.parse("2026-11-19T12:00:00Z")!
            let rows = try self.rows(fixture)
            #expect(rows.count == 4)
            guard rows.count == 4 else { return }
            let version = try FeatureStore(repo: fixture.repo).snapshot().record(.featureService, "logged")?.version
            #expect(rows.allSatisfy { $0.serviceVersion == version && $0.logTimestamp == now })
            #expect(rows.map(\.requestID) == ["req-1", "req-1", "req-1", generated])
            #expect(
                rows.map(\.keys) == [
                    [.int64(1001), .int64(7)], [.int64(1002), .int64(7)], [.int64(4242), .int64(7)],
                    [.int64(1001), .int64(8)],
                ])
            #expect(
                rows[0].values == [
                    OnlineValue(value: .float64(4.5), status: .present, eventTime: t2330),
                    OnlineValue(value: .string("Oslo"), status: .present, eventTime: t2330),
                    OnlineValue(value: .int64(3), status: .present, eventTime: t1200),
                ])
            #expect(rows[1].values[0] == OnlineValue(value: .float64(3.9), status: .present, eventTime: t2345))
            #expect(rows[1].values[1].value == .null && rows[1].values[1].status == .nullValue)
            #expect(rows[1].values[2] == .notFound)
            #expect(rows[2].values == [.notFound, .notFound, .notFound])
            #expect(rows[3].values[2] == .notFound)
            // The values logged are the values answered.
            let rating = answer.column(named: "rating")
            #expect(rating.values.compactMap { $0 as? Double } == [4.5, 3.9])
            #expect(rating.statuses == rows.prefix(3).map(\.values[0].status.rawValue))
        }
        // Feast's column names, as stored.
        let database = try Database(
            path: try FeatureStore(repo: fixture.repo).offlineStore().sqlite!.path, readOnly: true)
        #expect(
            try database.columns(of: "served_log_logged").map(\.name) == [
                "__log_seq", "driver_id", "rider_id", "driver_live__rating", "driver_live__rating__timestamp",
                "driver_live__rating__status", "driver_live__city", "driver_live__city__timestamp",
                "driver_live__city__status", "pair_stats__trips", "pair_stats__trips__timestamp",
                "pair_stats__trips__status", "__log_timestamp", "__request_id", "__service_version",
            ])
    }

    @Test func onlyServicesWithLoggingAreLogged() async throws {
        let fixture = try await Self.make()
        try await fixture.test { client in
            try await Self.seed(client)
            // A service without logging, and a list of features (no service): nothing logged.
            _ = try await client.post(
                "/get-online-features", #"{"feature_service": "driver_activity", "entities": {"driver_id": [1001]}}"#)
            _ = try await client.post(
                "/get-online-features", #"{"features": ["driver_live:rating"], "entities": {"driver_id": [1001]}}"#)
            // A refused lookup of a logging service: nothing logged.
            let refused = try await client.post(
                "/get-online-features",
                #"{"feature_service": "logged", "entities": {"driver_id": ["x"], "rider_id": [1]}}"#)
            #expect(refused.status == 400)
            #expect(fixture.server.servedLog.pendingRows == 0)
            #expect(await fixture.server.servedLog.flush() == 0)
        }
        #expect(try rows(fixture).isEmpty)
    }

    @Test func keySamplingLogsTheSameEntitiesEveryTime() async throws {
        let fixture = try await Self.make()
        let ids = Array(1...200)
        let body = #"{"feature_service": "logged_by_key", "entities": {"driver_id": \#(ids)}}"#
        try await fixture.test { client in
            for _ in 0..<3 {
                let answer = try await client.post("/get-online-features", body)
                #expect(answer.status == 200)
            }
            await fixture.server.servedLog.flush()
        }
        let layout = ServedLogLayout(
            service: "logged_by_key", keys: [Field(name: "driver_id", type: .int64)],
            features: [.init(view: "driver_live", feature: "rating", type: .float64)])
        let logged = try rows(fixture, layout).map(\.keys[0])
        let expected = ids.map { FeatureValue.int64(Int64($0)) }.filter {
            ServedLogSampler.keyIsSampled([$0], rate: 0.5)
        }
        #expect(!expected.isEmpty && expected.count < ids.count)
        #expect(logged == expected + expected + expected)
    }

    @Test func writtenRowsAreCounted() async throws {
        let fixture = try await Self.make()
        try await fixture.test { client in
            _ = try await client.post(
                "/get-online-features",
                #"{"feature_service": "logged", "entities": {"driver_id": [1, 2], "rider_id": [1, 1]}}"#)
            await fixture.server.servedLog.flush()
            let metrics = try await client.getText("/metrics")
            #expect(metrics.text.contains(#"fs_feature_log_rows_written_total{service="logged"} 2"#), "\(metrics.text)")
        }
    }

    /// A response that lacks one of the plan's join keys cannot be logged: its rows are counted as
    /// dropped (they used to vanish without a trace), and a lookup of a service that does not log
    /// carries no logging settings on its cached plan.
    @Test func aResponseWithoutAJoinKeyIsCountedAsDropped() async throws {
        let fixture = try await Self.make()
        try await fixture.test { client in
            let state = fixture.server.state.current
            let cached = try FeatureSelection(service: "logged").plan(state)
            let logging = try #require(cached.logging)
            #expect(logging.keyNames == ["driver_id", "rider_id"])
            #expect(try FeatureSelection(features: ["driver_live:rating"]).plan(state).logging == nil)
            let entities = EntityRows(columns: [
                ("driver_id", [.int64(1), .int64(2), .int64(3)]), ("rider_id", [.int64(1), .int64(1), .int64(1)]),
            ])
            var response = try await state.reader.read(cached.plan, entities: entities, now: ServerFixture.now)
            // The rider_id column is gone.
            response.featureNames.remove(at: 1)
            response.columns.remove(at: 1)
            var madeID = false
            fixture.server.servedLog.record(
                logging, plan: cached.plan, response: response,
                requestID: {
                    madeID = true
                    return "never"
                }(), now: ServerFixture.now)
            #expect(!madeID)
            #expect(fixture.server.servedLog.droppedRows == ["logged": 3])
            #expect(fixture.server.servedLog.pendingRows == 0)
            let metrics = try await client.getText("/metrics")
            #expect(metrics.text.contains(#"fs_feature_log_dropped_total{service="logged"} 3"#), "\(metrics.text)")
        }
    }
}
