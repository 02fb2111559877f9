import FeastProtos
import FeatureServer
import FeatureServerGRPC
import FeatureStoreKit
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import SwiftProtobuf
import Testing

/// A demo repo plus views of every value type, a string join key and a compound key, applied, and
/// a feature server over it with a fixed clock; its gRPC server runs on a free port for a test.
struct GRPCFixture {
    /// The fixed "now" of every test server.
    static let now = Timestamp.parse("2026-11-20T00:00:00Z")!

    let repo: String
    let server: FeatureServer

    static let extraYAML = """
        entities:
          - name: rider
            join_keys:
              - name: rider_id
                value_type: int64
          - name: zone
            join_keys:
              - name: zone_code
                value_type: string

        sources:
          - name: driver_events
            kind: push
            timestamp_field: event_timestamp
            schema:
              driver_id: int64
              event_timestamp: timestamp
              rating: float64
              city: string
          - name: typed_events
            kind: push
            timestamp_field: event_timestamp
            schema:
              driver_id: int64
              event_timestamp: timestamp
              trips: int64
              ratio: float64
              label: string
              active: bool
              blob: bytes
              seen_at: timestamp
          - name: pair_events
            kind: push
            timestamp_field: event_timestamp
            schema:
              driver_id: int64
              rider_id: int64
              event_timestamp: timestamp
              rides: int64
          - name: zone_events
            kind: push
            timestamp_field: event_timestamp
            schema:
              zone_code: string
              event_timestamp: timestamp
              demand: float64

        feature_views:
          - name: driver_live
            entities: [driver]
            source: driver_events
            ttl: 1h
            features:
              - { name: rating, type: float64 }
              - { name: city, type: string }
          - name: typed
            entities: [driver]
            source: typed_events
            ttl: 0
            features:
              - { name: trips, type: int64 }
              - { name: ratio, type: float64 }
              - { name: label, type: string }
              - { name: active, type: bool }
              - { name: blob, type: bytes }
              - { name: seen_at, type: timestamp }
          - name: pair_stats
            entities: [driver, rider]
            source: pair_events
            features:
              - { name: rides, type: int64 }
          - name: zone_stats
            entities: [zone]
            source: zone_events
            ttl: 2h
            features:
              - { name: demand, type: float64 }

        """

    /// Creates the repo (with `settings` added to its feature_store.yaml), applies it, then opens
    /// a server (scheduler off, logs off).
    static func make(settings: String = "", configure: (inout ServerConfiguration) -> Void = { _ in }) async throws
        -> GRPCFixture
    {
        let repo = (NSTemporaryDirectory() as NSString).appendingPathComponent(
            "fs-grpc-\(UUID().uuidString.prefix(8))")
        try DemoRepo.write(to: repo, writeData: false)
        try extraYAML.write(toFile: repo + "/extra.yaml", atomically: true, encoding: .utf8)
        if !settings.isEmpty {
            let config = try String(contentsOfFile: repo + "/feature_store.yaml", encoding: .utf8)
            try (config + "\n" + settings + "\n").write(
                toFile: repo + "/feature_store.yaml", atomically: true, encoding: .utf8)
        }
        do {
            let store = try FeatureStore(repo: repo, clock: { GRPCFixture.now })
            _ = try store.apply()
        }
        var configuration = ServerConfiguration(port: 0, schedulerEnabled: false)
        try configuration.setLogLevel(named: "critical")
        configure(&configuration)
        let server = try await FeatureServer(repo: repo, configuration: configuration, clock: { GRPCFixture.now })
        return GRPCFixture(repo: repo, server: server)
    }

    typealias Transport = HTTP2ClientTransport.Posix

    /// The clients of a running gRPC server.
    struct Clients: Sendable {
        var serving: Feast_Serving_ServingService.Client<Transport>
        var health: Grpc_Health_V1_Health.Client<Transport>
        var grpc: GRPCFeatureServer
        /// Starts the service group's graceful shutdown (what SIGTERM does to `fs serve`).
        var shutdown: @Sendable () async -> Void
    }

    /// Runs the server's HTTP routes in process (`http`, for seeding and reference answers) and its
    /// gRPC server on a free loopback port in a service group, calls `body`, then shuts gRPC down
    /// gracefully and waits for it to stop.
    func run(
        watchInterval: Duration = .milliseconds(50), healthCheck: (@Sendable () async throws -> Void)? = nil,
        trusting certificatePEM: String? = nil,
        _ body: @escaping @Sendable (_ http: any TestClientProtocol, _ clients: Clients) async throws -> Void
    ) async throws {
        let server = server
        try await server.application(backgroundServices: false).test(.router) { http in
            let grpc = try GRPCFeatureServer(
                serving: server,
                configuration: GRPCConfiguration(port: 0, version: "fs test", healthWatchInterval: watchInterval),
                healthCheck: healthCheck)
            let group = ServiceGroup(
                configuration: ServiceGroupConfiguration(services: [grpc], logger: Logger(label: "fs.grpc.test")))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let port = try await grpc.listeningPort
                let outcome: Result<Void, any Error>
                do {
                    try await withGRPCClient(
                        transport: .http2NIOPosix(
                            target: .ipv4(address: "127.0.0.1", port: port),
                            transportSecurity: certificatePEM.map { pem in
                                .tls { tls in
                                    tls.trustRoots = .certificates([.bytes(Array(pem.utf8), format: .pem)])
                                }
                            } ?? .plaintext)
                    ) { client in
                        try await body(
                            http,
                            Clients(
                                serving: .init(wrapping: client), health: .init(wrapping: client), grpc: grpc,
                                shutdown: { await group.triggerGracefulShutdown() }))
                    }
                    outcome = .success(())
                } catch {
                    outcome = .failure(error)
                }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                try outcome.get()
            }
        }
    }
}

extension TestClientProtocol {
    /// POSTs `body` (JSON text); the status and the decoded JSON object.
    func post(_ uri: String, _ body: String) async throws -> (status: Int, json: [String: Any]) {
        try await execute(uri: uri, method: .post, body: ByteBuffer(string: body)) { response in
            let data = Data(response.body.readableBytesView)
            let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
            return (response.status.code, json)
        }
    }

    /// GETs `uri` as text.
    func getText(_ uri: String) async throws -> String {
        try await execute(uri: uri, method: .get) { response in String(buffer: response.body) }
    }

    /// Writes rows through `POST /write-to-online-store` and expects them all written.
    func write(_ view: String, _ df: String, rows: Int) async throws {
        let answer = try await post("/write-to-online-store", #"{"feature_view_name": "\#(view)", "df": \#(df)}"#)
        #expect(answer.status == 200, "\(answer.json)")
        #expect(answer.json["written"] as? Int == rows, "\(answer.json)")
    }
}

/// A request in Feast's protobuf form.
func onlineRequest(
    features: [String]? = nil, service: String? = nil, entities: [String: [Feast_Types_Value]],
    fullFeatureNames: Bool = false
) -> Feast_Serving_GetOnlineFeaturesRequest {
    .with { request in
        if let features { request.features = .with { $0.val = features } }
        if let service { request.featureService = service }
        request.entities = entities.mapValues { values in .with { $0.val = values } }
        request.fullFeatureNames = fullFeatureNames
    }
}

extension Feast_Types_Value {
    static func int64(_ value: Int64) -> Self { .with { $0.int64Val = value } }
    static func string(_ value: String) -> Self { .with { $0.stringVal = value } }
}

/// The RPC error `body` throws (recorded as an issue when it throws none or another error).
func rpcError(_ body: () async throws -> Void) async -> RPCError? {
    do {
        try await body()
        Issue.record("expected an RPC error, the call succeeded")
        return nil
    } catch let error as RPCError {
        return error
    } catch {
        Issue.record("expected an RPC error, got \(error)")
        return nil
    }
}
