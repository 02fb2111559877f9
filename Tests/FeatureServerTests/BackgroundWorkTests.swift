import FeatureStoreKit
import Foundation
import HummingbirdTesting
import Synchronization
import Testing

@testable import FeatureServer

/// Issue 10: one serial queue ran materializations, offline writes, `/health`, `/metrics` and the
/// registry watcher, so a materialization stalled `/health` (and a liveness probe restarted the
/// server), and SQLite's 10 s busy timeout could park all of them while `fs ingest` wrote. Here
/// store work is parked on the busy timeout (the test holds a SQLite write lock, as `fs ingest`
/// does) and everything else must answer before the lock is released.
@Suite struct BackgroundWorkTests {
    static let lookup = #"{"features": ["driver_hourly_stats:conv_rate"], "entities": {"driver_id": [1001]}}"#
    static let push =
        #"{"push_source_name": "driver_events", "df": {"driver_id": [1], "event_timestamp": ["2026-11-19T23:50:00Z"], "rating": [2.5], "city": ["x"]}}"#
    static func push(to destination: String) -> String {
        #"{"push_source_name": "driver_events", "to": "\#(destination)", "df": {"driver_id": [2], "event_timestamp": ["2026-11-19T23:51:00Z"], "rating": [3.5], "city": ["y"]}}"#
    }

    /// A materialization that has written its rows and waits to record its watermarks holds up
    /// neither `/health`, `/metrics`, lookups, pushes (online and offline) nor the registry watcher.
    @Test func aParkedMaterializationHoldsUpNothingElse() async throws {
        let fixture = try await ServerFixture.make(withStats: true)
        let server = fixture.server
        let registryLock = try WriteLockHolder(path: server.stores.config.registryPath)
        let window = LockWindow()
        let finished = Flag()
        try await fixture.test { client in
            let materialization = Task {
                defer { finished.set() }
                return try await client.post(
                    "/materialize",
                    #"{"start_ts": "2026-11-19T00:00:00Z", "end_ts": "now", "feature_views": ["driver_hourly_stats"]}"#)
            }
            // Its rows are online: it now waits for the registry (the watermark write).
            try await Self.waitUntil("the materialization writes its rows") {
                try await client.post("/get-online-features", Self.lookup).column(named: "conv_rate").statuses
                    == ["PRESENT"]
            }
            #expect(try await client.get("/health").status == 200)
            let (metrics, _) = try await client.getText("/metrics")
            #expect(metrics == 200)
            #expect(try await client.post("/push", Self.push).status == 200)
            #expect(try await client.post("/push", Self.push(to: "offline")).status == 200)
            #expect(await RegistryWatcher(server: server).tick() == false)
            let mayHaveTimedOut = window.outlastedTheBusyTimeout
            if !mayHaveTimedOut {
                #expect(!finished.isSet, "the materialization finished while the registry was locked")
            }
            try registryLock.release()
            let answer = try await materialization.value
            if mayHaveTimedOut && answer.status == 423 { return }
            #expect(answer.status == 200, "\(answer.json)")
            #expect((answer.json["views"] as? [[String: Any]])?.first?["written"] as? Int == 2)
        }
        #expect(try fixture.offlineRows(source: "driver_events") == 1)
    }

    /// A push to the offline store that waits for `fs ingest`'s write lock holds up neither
    /// `/health`, `/metrics`, lookups, online pushes nor materializations; once the lock is
    /// released it completes, all of it.
    @Test func aParkedOfflinePushHoldsUpNothingElse() async throws {
        let fixture = try await ServerFixture.make(withStats: true)
        let offlineLock = try WriteLockHolder(path: fixture.server.stores.config.offlineStorePath)
        let window = LockWindow()
        let finished = Flag()
        let timedOut = Flag()
        try await fixture.test { client in
            let push = Task {
                defer { finished.set() }
                return try await client.post("/push", Self.push(to: "online_and_offline"))
            }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await client.get("/health").status == 200)
            let (metrics, _) = try await client.getText("/metrics")
            #expect(metrics == 200)
            #expect(try await client.post("/get-online-features", Self.lookup).status == 200)
            #expect(try await client.post("/push", Self.push).status == 200)
            let materialized = try await client.post(
                "/materialize-incremental", #"{"end_ts": "now", "feature_views": ["driver_hourly_stats"]}"#)
            #expect(materialized.status == 200, "\(materialized.json)")
            let mayHaveTimedOut = window.outlastedTheBusyTimeout
            if !mayHaveTimedOut {
                #expect(!finished.isSet, "the offline push finished while the offline store was locked")
            }
            try offlineLock.release()
            let answer = try await push.value
            if mayHaveTimedOut && answer.status == 423 {
                timedOut.set()
                return
            }
            #expect(answer.status == 200, "\(answer.json)")
            #expect(answer.json["offline_inserted"] as? Int == 1)
            #expect((answer.json["online_written"] as? [String: Any])?["driver_live"] as? Int == 1)
        }
        #expect(try fixture.offlineRows(source: "driver_events") == (timedOut.isSet ? 0 : 1))
    }

    /// Materializations asked for at once run one after the other: had two overlapped, one would
    /// have met the other's lock and been refused (423).
    @Test func materializationsNeverOverlap() async throws {
        let fixture = try await ServerFixture.make(withStats: true)
        try await fixture.test { client in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<4 {
                    group.addTask {
                        let body =
                            index % 2 == 0
                            ? #"{"start_ts": "2026-11-19T00:00:00Z", "end_ts": "now"}"# : #"{"end_ts": "now"}"#
                        return try await client.post(
                            index % 2 == 0 ? "/materialize" : "/materialize-incremental", body
                        ).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == [200, 200, 200, 200])
        }
    }

    /// After an `fs apply` removes a view, the watcher's reload has the job lane delete the view's
    /// online data (the server's materializations no longer do it: theirs may be an older snapshot).
    @Test func aReloadDropsTheOnlineDataOfARemovedView() async throws {
        let fixture = try await ServerFixture.make()
        let online = try #require(fixture.server.stores.onlineStore as? OnlineStore)
        try await fixture.test { client in
            let pair =
                #"{"push_source_name": "pair_events", "df": {"driver_id": [1], "rider_id": [2], "event_timestamp": ["2026-11-19T23:50:00Z"], "trips": [3]}}"#
            for body in [Self.push, pair] {
                let answer = try await client.post("/push", body)
                #expect(answer.status == 200, "\(answer.json)")
            }
        }
        let before = try online.keyspaces().map(\.view)
        #expect(Set(before) == ["driver_live", "pair_stats"])
        let start = try #require(ServerFixture.pushYAML.range(of: "  - name: driver_live"))
        let end = try #require(ServerFixture.pushYAML.range(of: "  - name: pair_stats"))
        var yaml = ServerFixture.pushYAML
        yaml.removeSubrange(start.lowerBound..<end.lowerBound)
        try yaml.write(toFile: fixture.repo + "/push.yaml", atomically: true, encoding: .utf8)
        _ = try FeatureStore(repo: fixture.repo).apply()
        #expect(await RegistryWatcher(server: fixture.server).tick())
        try await Self.waitUntil("the removed view's data is dropped") {
            try !online.keyspaces().contains { $0.view == "driver_live" }
        }
        let after = try online.keyspaces().map(\.view)
        #expect(after == ["pair_stats"])
    }

    /// `/health` answers from the latest check of the stores: 503 when it failed, and when a check
    /// has been running past the deadline (a store that does not answer); 200 again once one
    /// succeeds.
    @Test func healthReportsTheLatestCheck() async throws {
        let fixture = try await ServerFixture.make()
        let health = fixture.server.stores.health
        #expect(health.status == .healthy)
        health.begin()
        health.end(failure: "the registry is gone")
        #expect(health.status == .failing("the registry is gone"))
        try await fixture.test { client in
            let answer = try await client.get("/health")
            #expect(answer.status == 503)
            #expect(answer.errorCode == "unavailable")
            #expect(!answer.errorMessage.contains("gone"), "details stay in the log")
        }
        _ = try await fixture.server.stores.check()
        #expect(health.status == .healthy)

        let slow = StoreHealth(deadline: .milliseconds(20))
        slow.begin()
        #expect(slow.status == .healthy)
        try await Task.sleep(for: .milliseconds(60))
        guard case .notAnswering(let duration) = slow.status else {
            Issue.record("a check running past its deadline is \(slow.status)")
            return
        }
        #expect(duration >= .milliseconds(20))
        slow.end(failure: nil)
        #expect(slow.status == .healthy)
    }

    static func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<200 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out waiting until \(what)")
        throw CancellationError()
    }
}

/// How long a test has held a SQLite write lock. Work parked on the lock gives up after SQLite's
/// 10 s busy timeout (423, by design); on a machine loaded enough for the test's steps to take that
/// long, the parked work's answer says nothing about whether it was held up, so the tests check it
/// only when the lock was held for less.
struct LockWindow {
    let start = ContinuousClock.now

    var outlastedTheBusyTimeout: Bool { ContinuousClock.now - start > .seconds(9) }
}

/// A flag set from one task and read from another.
final class Flag: Sendable {
    private let value = Mutex(false)

    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
