import Foundation
import ProcessSupport
import Testing

/// Windowed aggregates through the real server: pushed events change the online values exactly as
/// the definition says, and the offline history agrees (`fs verify-consistency`).
@Suite struct ServerAggregatesEndToEndTests {
    static let yaml = """
        sources:
          - name: swipes
            kind: push
            timestamp_field: event_timestamp
            schema: {driver_id: int64, event_timestamp: timestamp, amount: float64, merchant: string}

        feature_views:
          - name: swipe_stats
            entities: [driver]
            source: swipes
            lateness: 1h
            aggregations:
              - {column: amount, function: count, window: 10m, name: swipes_10m}
              - {column: amount, function: sum, window: 1h, name: amount_1h}
              - {column: amount, function: avg, window: 1d, name: amount_avg_1d}
              - {column: amount, function: max, window: 1d, name: amount_max_1d}
              - {column: amount, function: stddev, window: 1d, name: amount_sd_1d}
              - {column: merchant, function: last, window: 1d, name: last_merchant}
              - {column: merchant, function: count_distinct, window: 1d, name: merchants_1d}

        """

    struct Swipe {
        var driver: Int64
        var minutesAgo: Double
        var amount: Double
        var merchant: String
    }

    /// The definition, evaluated at `now` over `swipes` (nulls aside, which these have none of).
    static func expected(_ swipes: [Swipe], driver: Int64) -> [String: Any] {
        func within(_ minutes: Double) -> [Swipe] {
            swipes.filter { $0.driver == driver && $0.minutesAgo > 0 && $0.minutesAgo <= minutes }.sorted {
                $0.minutesAgo > $1.minutesAgo
            }
        }
        let day = within(24 * 60)
        let amounts = day.map(\.amount)
        let mean = amounts.isEmpty ? 0 : amounts.reduce(0, +) / Double(amounts.count)
        let sd =
            amounts.count > 1
            ? (amounts.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(amounts.count - 1)).squareRoot() : nil
        return [
            "swipes_10m": within(10).count, "amount_1h": within(60).map(\.amount).reduce(0, +),
            "amount_avg_1d": amounts.isEmpty ? NSNull() : mean as Any,
            "amount_max_1d": amounts.max() as Any? ?? NSNull(),
            "amount_sd_1d": sd as Any? ?? NSNull(), "last_merchant": day.last?.merchant as Any? ?? NSNull(),
            "merchants_1d": Set(day.map(\.merchant)).count,
        ]
    }

    static func push(_ swipes: [Swipe], to base: String) async throws {
        let now = Date()
        let times = swipes.map { ISO8601DateFormatter().string(from: now.addingTimeInterval(-$0.minutesAgo * 60)) }
        let body: [String: Any] = [
            "push_source_name": "swipes", "to": "online_and_offline",
            "df": [
                "driver_id": swipes.map(\.driver), "event_timestamp": times, "amount": swipes.map(\.amount),
                "merchant": swipes.map(\.merchant),
            ],
        ]
        let text = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        let result = try await ServerEndToEndTests.request(base + "/push", body: text)
        #expect(result.status == 200, "\(result.text)")
    }

    static func check(_ base: String, _ swipes: [Swipe]) async throws {
        let lookup = try await ServerEndToEndTests.request(
            base + "/get-online-features",
            body: #"{"features": ["swipe_stats:*"], "entities": {"driver_id": [7, 8, 9]}}"#)
        #expect(lookup.status == 200, "\(lookup.text)")
        let json = try JSONSerialization.jsonObject(with: Data(lookup.text.utf8)) as? [String: Any]
        let names = (json?["metadata"] as? [String: Any])?["feature_names"] as? [String] ?? []
        let results = json?["results"] as? [[String: Any]] ?? []
        for (row, driver) in [Int64(7), 8, 9].enumerated() {
            let expected = Self.expected(swipes, driver: driver)
            for (index, name) in names.enumerated() where name != "driver_id" {
                let actual = (results[index]["values"] as? [Any])?[row]
                let want = expected[name]
                if let number = want as? Double {
                    let got = (actual as? NSNumber)?.doubleValue ?? .nan
                    #expect(
                        abs(got - number) <= 1e-9 * max(1, abs(number)),
                        "driver \(driver) \(name): \(String(describing: actual)) vs \(number)")
                } else if let count = want as? Int {
                    #expect(
                        (actual as? NSNumber)?.intValue == count,
                        "driver \(driver) \(name): \(String(describing: actual)) vs \(count)")
                } else if let text = want as? String {
                    #expect(
                        actual as? String == text, "driver \(driver) \(name): \(String(describing: actual)) vs \(text)")
                } else {
                    #expect(actual is NSNull, "driver \(driver) \(name): \(String(describing: actual)) should be null")
                }
            }
        }
    }

    @Test func pushedEventsChangeOnlineAggregatesAndOfflineAgrees() async throws {
        let repo = (FSRunner.temporaryDirectory() as NSString).appendingPathComponent("repo")
        #expect(try await FSRunner.run(["init", repo, "--no-data"]).status == 0)
        try Self.yaml.write(toFile: repo + "/swipes.yaml", atomically: true, encoding: .utf8)
        #expect(try await FSRunner.run(["apply", "--repo", repo]).status == 0)
        let server = try FSRunner.start(["serve", "--repo", repo, "--port", "0", "--grpc-port", "0", "--no-scheduler"])
        defer { if server.process.isRunning { server.process.terminate() } }
        let base = try await ServerEndToEndTests.waitForListening(server)

        // Times stay minutes away from every window edge, so the seconds the test takes do not matter.
        var swipes = [
            Swipe(driver: 7, minutesAgo: 3, amount: 12.5, merchant: "cafe"),
            Swipe(driver: 7, minutesAgo: 30, amount: 40, merchant: "fuel"),
            Swipe(driver: 7, minutesAgo: 300, amount: 7.25, merchant: "cafe"),
            Swipe(driver: 8, minutesAgo: 90, amount: 100, merchant: "hotel"),
            // Older than 1d + 1h: offline only.
            Swipe(driver: 7, minutesAgo: 26 * 60, amount: 1000, merchant: "too-old"),
        ]
        try await Self.push(swipes, to: base)
        try await Self.check(base, swipes)

        // More events, out of order: the values move exactly as the definition says.
        let more = [
            Swipe(driver: 8, minutesAgo: 5, amount: 20, merchant: "cafe"),
            Swipe(driver: 7, minutesAgo: 45, amount: 2.75, merchant: "books"),
            Swipe(driver: 7, minutesAgo: 2, amount: 9, merchant: "fuel"),
        ]
        try await Self.push(more, to: base)
        swipes += more
        try await Self.check(base, swipes)

        await server.stop(SIGTERM)
        #expect(server.process.terminationStatus == 0)
        let verify = try await FSRunner.run(["verify-consistency", "--repo", repo, "--views", "swipe_stats", "--json"])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(verify.stdout.utf8)) as? [String: Any]
        let features = report?["features"] as? [[String: Any]] ?? []
        #expect(features.count == 7)
        #expect(features.allSatisfy { ($0["mismatches"] as? Int) == 0 && ($0["checked"] as? Int) == 2 }, "\(features)")
    }
}
