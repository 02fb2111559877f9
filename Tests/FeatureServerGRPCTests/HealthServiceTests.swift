import FeastProtos
import FeatureServer
import FeatureServerGRPC
import FeatureStoreKit
import Foundation
import GRPCCore
import SwiftProtobuf
import Synchronization
import Testing

@Suite struct HealthServiceTests {
    @Test func checkAnswersServingForTheServerAndTheServingService() async throws {
        let fixture = try await GRPCFixture.make()
        try await fixture.run { _, clients in
            for service in ["", "feast.serving.ServingService"] {
                let answer = try await clients.health.check(.with { $0.service = service })
                #expect(answer.status == .serving, "\(service)")
            }
            let error = await rpcError { _ = try await clients.health.check(.with { $0.service = "nope.Service" }) }
            #expect(error?.code == .notFound)
            #expect(error?.message.contains("'nope.Service'") == true)
        }
    }

    /// When the health check fails (a store does not answer), `Check` says NOT_SERVING, and
    /// SERVING again once it answers; a `Watch` sees each change.
    @Test func checkAndWatchFollowTheStores() async throws {
        let fixture = try await GRPCFixture.make()
        let failing = Mutex(false)
        try await fixture.run(
            healthCheck: {
                if failing.withLock({ $0 }) { throw FeatureStoreError.storage("rocksdb: IO error (test)") }
            }
        ) { _, clients in
            #expect(try await clients.health.check(.with { $0.service = "" }).status == .serving)
            failing.withLock { $0 = true }
            #expect(try await clients.health.check(.with { $0.service = "" }).status == .notServing)
            #expect(
                try await clients.health.check(.with { $0.service = "feast.serving.ServingService" }).status
                    == .notServing)
            failing.withLock { $0 = false }
            #expect(try await clients.health.check(.with { $0.service = "" }).status == .serving)
            let seen = try await clients.health.watch(.with { $0.service = "" }) { response in
                var seen: [Grpc_Health_V1_HealthCheckResponse.ServingStatus] = []
                for try await message in response.messages {
                    seen.append(message.status)
                    if seen.count == 1 { failing.withLock { $0 = true } }
                    if seen.count == 2 { failing.withLock { $0 = false } }
                    if seen.count == 3 { break }
                }
                return seen
            }
            #expect(seen == [.serving, .notServing, .serving])
        }
    }

    /// A graceful shutdown lets a call in flight finish with its answer (the server drains).
    ///
    /// The time limit only guards against a hang: it counts from the moment the test is started,
    /// and in a full parallel run a test can wait minutes for the two cores (one minute was
    /// exceeded there, while the test alone takes about a second).
    @Test(.timeLimit(.minutes(5)))
    func aCallInFlightFinishesDuringGracefulShutdown() async throws {
        let fixture = try await GRPCFixture.make()
        let (entered, signal) = AsyncStream.makeStream(of: Void.self)
        try await fixture.run(
            healthCheck: {
                signal.yield()
                try await Task.sleep(for: .milliseconds(500))
            }
        ) { _, clients in
            let answer = Task { try await clients.health.check(.with { $0.service = "" }).status }
            // The shutdown starts once the check runs; a call that ends before reaching it (an
            // error) fails the test with that error instead of waiting for a check that never comes.
            let reached = await withTaskGroup(of: Bool.self) { group in
                group.addTask {
                    for await _ in entered { return true }
                    return false
                }
                group.addTask {
                    _ = await answer.result
                    return false
                }
                let first = await group.next() ?? false
                group.cancelAll()
                signal.finish()
                return first
            }
            if reached { await clients.shutdown() }
            let status = try await answer.value
            #expect(reached, "the call answered \(status) without running the health check")
            #expect(status == .serving)
        }
    }

    @Test func watchOfAnUnknownServiceAnswersServiceUnknown() async throws {
        let fixture = try await GRPCFixture.make()
        try await fixture.run { _, clients in
            let statuses = try await clients.health.watch(.with { $0.service = "nope" }) { response in
                var statuses: [Grpc_Health_V1_HealthCheckResponse.ServingStatus] = []
                for try await message in response.messages { statuses.append(message.status) }
                return statuses
            }
            #expect(statuses == [.serviceUnknown])
        }
    }

    /// A watch sees SERVING, then NOT_SERVING when the service group shuts down, and ends: it
    /// never holds up the shutdown (its interval is a minute; the shutdown wakes it).
    @Test(.timeLimit(.minutes(5)))
    func watchEndsWithNotServingOnGracefulShutdown() async throws {
        let fixture = try await GRPCFixture.make()
        let shutdownTook = Mutex<Duration?>(nil)
        try await fixture.run(watchInterval: .seconds(60)) { _, clients in
            let (firstStatus, signal) = AsyncStream.makeStream(of: Void.self)
            try await withThrowingTaskGroup(of: [Grpc_Health_V1_HealthCheckResponse.ServingStatus].self) { group in
                group.addTask {
                    try await clients.health.watch(.with { $0.service = "" }) { response in
                        var statuses: [Grpc_Health_V1_HealthCheckResponse.ServingStatus] = []
                        for try await message in response.messages {
                            statuses.append(message.status)
                            signal.yield()
                        }
                        return statuses
                    }
                }
                for await _ in firstStatus { break }
                let started = ContinuousClock.now
                await clients.shutdown()
                let statuses = try await group.next()
                shutdownTook.withLock { $0 = ContinuousClock.now - started }
                #expect(statuses == [.serving, .notServing])
            }
        }
        let took = try #require(shutdownTook.withLock { $0 })
        #expect(took < .seconds(30), "the watch held the shutdown for \(took)")
    }
}
