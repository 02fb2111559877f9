import FeatureStoreCore
import Foundation
import OfflineStoreSQLite
import Testing

/// Spine handling, output formats and errors of the training set (the join itself is checked
/// against the reference in ``PointInTimeJoinTests``).
@Suite struct TrainingSetTests {
    /// A store holding three rows of one source, and a snapshot view over it.
    struct Scenario {
        let fixture: IngestFixture
        let view: TrainingSetView

        init(_ opener: StoreOpener) throws {
            fixture = try IngestFixture(opener)
            try fixture.ingest(
                "history.csv",
                #"""
                \#(IngestFixture.header)
                1,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,0.5,one,true
                1,2026-01-01T02:00:00Z,2026-01-01T02:00:00Z,0.75,"two, quoted",false
                2,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,-3.0,,true

                """#)
            let stats = FeatureView(
                name: "stats_view", entities: ["driver"], source: "stats", ttl: .hours(3),
                features: [
                    Feature(name: "rate", type: .float64), Feature(name: "name", type: .string),
                    Feature(name: "active", type: .bool),
                ])
            view = TrainingSetView(
                view: stats, joinKeys: [JoinKey(name: "driver_id", valueType: .int64)], history: .table(fixture.table),
                features: stats.features, outputNames: stats.features.map(\.name))
        }

        func run(_ spineName: String, _ spine: String, out: String, views: [TrainingSetView]? = nil) throws
            -> String
        {
            let spinePath = try fixture.directory.write(spineName, spine)
            let output = fixture.directory.file(out)
            _ = try fixture.store.trainingSet(
                spine: spinePath, spineFormat: TabularFormat(path: spineName)!, views: views ?? [view], output: output,
                outputFormat: TabularFormat(path: out)!, profile: false)
            return try String(contentsOfFile: output, encoding: .utf8)
        }

        func failure(_ spine: String, views: [TrainingSetView]? = nil) -> FeatureStoreError? {
            do {
                _ = try run("spine.csv", spine, out: "failed.csv", views: views)
                return nil
            } catch let error as FeatureStoreError {
                #expect(
                    !FileManager.default.fileExists(atPath: fixture.directory.file("failed.csv")), "half-written output"
                )
                return error
            } catch {
                return FeatureStoreError(.storage, "unexpected \(error)")
            }
        }
    }

    @Test(arguments: StoreBackend.allCases) func csvPassesSpineColumnsThroughAndQuotes(_ backend: StoreBackend)
        async throws
    {
        try await backend.run { opener in
            let scenario = try Scenario(opener)
            let spine = """
                label,driver_id,event_timestamp
                "a,b",1,2026-01-01T03:00:00Z
                x,1,2026-01-01T01:59:59Z
                y,2,2026-01-01T03:00:01Z
                z,3,2026-01-01T03:00:00Z

                """
            let rows = parseCSV(try scenario.run("spine.csv", spine, out: "out.csv"))
            #expect(rows[0] == ["label", "driver_id", "event_timestamp", "rate", "name", "active"])
            #expect(rows[1] == ["a,b", "1", "2026-01-01T03:00:00Z", "0.75", "two, quoted", "false"])
            #expect(rows[2] == ["x", "1", "2026-01-01T01:59:59Z", "0.5", "one", "true"])
            #expect(rows[3] == ["y", "2", "2026-01-01T03:00:01Z", "", "", ""])  // outside the 3h ttl
            #expect(rows[4] == ["z", "3", "2026-01-01T03:00:00Z", "", "", ""])  // unknown driver
        }
    }

    @Test(arguments: StoreBackend.allCases) func largeSpineKeepsOrderAcrossParallelHalves(_ backend: StoreBackend)
        async throws
    {
        try await backend.run { opener in
            let scenario = try Scenario(opener)
            // 100k rows and more are formatted in two halves on two threads.
            let patterns = [
                ("1,2026-01-01T03:00:00Z", "0.75,\"two, quoted\",false"), ("2,2026-01-01T00:30:00Z", "-3.0,,true"),
                ("3,2026-01-01T00:30:00Z", ",,"),
            ]
            var spine = "driver_id,event_timestamp,row\n"
            var expected = ["driver_id,event_timestamp,row,rate,name,active"]
            for row in 0..<120_001 {
                let (input, features) = patterns[row % 3]
                spine += "\(input),\(row)\n"
                expected.append("\(input),\(row),\(features)")
            }
            let lines = try scenario.run("big.csv", spine, out: "big-out.csv").split(separator: "\n").map(String.init)
            #expect(lines.count == expected.count)
            #expect(lines == expected)
        }
    }

    @Test(arguments: StoreBackend.allCases) func jsonLinesInAndOut(_ backend: StoreBackend) async throws {
        try await backend.run { opener in
            let scenario = try Scenario(opener)
            let spine = """
                {"driver_id": 1, "event_timestamp": "2026-01-01T03:00:00Z", "label": true, "note": "a \\"q\\""}
                {"driver_id": 2, "event_timestamp": "2026-01-01T00:30:00Z", "label": false, "note": null}
                """
            let text = try scenario.run("spine.jsonl", spine, out: "out.jsonl")
            let objects = text.split(separator: "\n").map {
                try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
            }
            #expect(objects.count == 2)
            #expect(objects[0]["driver_id"] as? Int == 1)
            #expect(objects[0]["note"] as? String == "a \"q\"")
            #expect(objects[0]["rate"] as? Double == 0.75)
            #expect(objects[0]["name"] as? String == "two, quoted")
            #expect(objects[0]["active"] as? Bool == false)
            #expect(objects[1]["rate"] as? Double == -3.0)
            #expect(objects[1]["name"] is NSNull)
            #expect(objects[1]["note"] is NSNull)
        }
    }

    @Test(arguments: StoreBackend.allCases) func missingJoinKeyColumnNamesTheLine(_ backend: StoreBackend) async throws
    {
        try await backend.run { opener in
            let scenario = try Scenario(opener)
            let error = scenario.failure("driver,event_timestamp\n1,2026-01-01T00:00:00Z\n")
            #expect(error?.code == .invalidInput)
            #expect(error?.message.contains("spine.csv:1:") == true)
            #expect(error?.message.contains("no column 'driver_id'") == true)
        }
    }

    @Test(arguments: StoreBackend.allCases) func missingTimestampColumnNamesTheLine(_ backend: StoreBackend)
        async throws
    {
        try await backend.run { opener in
            let scenario = try Scenario(opener)
            let error = scenario.failure("driver_id,ts\n1,2026-01-01T00:00:00Z\n")
            #expect(error?.message.contains("spine.csv:1:") == true)
            #expect(error?.message.contains("'event_timestamp'") == true)
        }
    }

    @Test(arguments: StoreBackend.allCases) func badTimestampNamesTheLine(_ backend: StoreBackend) async throws {
        try await backend.run { opener in
            let scenario = try Scenario(opener)
            let error = scenario.failure("driver_id,event_timestamp\n1,2026-01-01T00:00:00Z\n2,tomorrow\n")
            #expect(error?.code == .invalidInput)
            #expect(error?.message.contains("spine.csv:3:") == true)
            #expect(error?.message.contains("'tomorrow'") == true)
        }
    }

    @Test(arguments: StoreBackend.allCases) func badKeyValueNamesTheLine(_ backend: StoreBackend) async throws {
        try await backend.run { opener in
            let scenario = try Scenario(opener)
            let error = scenario.failure(
                "driver_id,event_timestamp\n1,2026-01-01T00:00:00Z\nabc,2026-01-01T00:00:00Z\n")
            #expect(error?.message.contains("spine.csv:3:") == true)
            #expect(error?.message.contains("'abc'") == true)
        }
    }

    @Test(arguments: StoreBackend.allCases) func featureNamedLikeASpineColumnIsRefused(_ backend: StoreBackend)
        async throws
    {
        try await backend.run { opener in
            let scenario = try Scenario(opener)
            let error = scenario.failure("driver_id,event_timestamp,rate\n1,2026-01-01T00:00:00Z,9\n")
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("--full-feature-names") == true)
        }
    }

    @Test(arguments: StoreBackend.allCases) func aggregateViewsPlugInBesideSnapshotViews(_ backend: StoreBackend)
        async throws
    {
        try await backend.run { opener in
            let scenario = try Scenario(opener)
            // Aggregate views get their own feature computer (checked in depth by its own tests); here:
            // one request mixing both kinds keeps the spine's rows and the request's column order.
            var aggregate = scenario.view
            aggregate.view.name = "stats_windows"
            aggregate.view.features = []
            aggregate.view.aggregations = [
                Aggregation(column: "rate", function: .sum, window: .hours(1), name: "rate_sum_1h", inputType: .float64)
            ]
            aggregate.features = aggregate.view.outputFeatures
            aggregate.outputNames = aggregate.features.map(\.name)
            let spine = "driver_id,event_timestamp\n1,2026-01-01T00:30:00Z\n2,2026-01-01T00:30:00Z\n"
            let rows = parseCSV(
                try scenario.run("spine.csv", spine, out: "mixed.csv", views: [aggregate, scenario.view]))
            #expect(rows[0] == ["driver_id", "event_timestamp", "rate_sum_1h", "rate", "name", "active"])
            #expect(rows[1] == ["1", "2026-01-01T00:30:00Z", "0.5", "0.5", "one", "true"])
            #expect(rows[2] == ["2", "2026-01-01T00:30:00Z", "-3.0", "-3.0", "", "true"])
        }
    }
}
