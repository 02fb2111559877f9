import Foundation
import Testing

/// `fs init`, `validate`, `plan`, `apply`, `list`, `describe` and `teardown` through the real binary.
@Suite struct RepoCommandsEndToEndTests {
    static func initRepo() async throws -> String {
        let repo = (FSRunner.temporaryDirectory() as NSString).appendingPathComponent("repo")
        let result = try await FSRunner.run(["init", repo, "--no-data"])
        #expect(result.status == 0, "\(result.stderr)")
        return repo
    }

    @Test func initPlanApplyReapply() async throws {
        let repo = try await Self.initRepo()
        let plan = try await FSRunner.run(["plan", "--repo", repo])
        #expect(plan.status == 0)
        #expect(plan.stdout.contains("+ feature_view driver_hourly_stats"))
        #expect(plan.stdout.contains("Plan: 6 to add, 0 to change, 0 to remove."))
        let apply = try await FSRunner.run(["apply", "--repo", repo])
        #expect(apply.status == 0)
        #expect(apply.stdout.contains("Registry version 0 -> 1."))
        let again = try await FSRunner.run(["apply", "--repo", repo])
        #expect(again.status == 0)
        #expect(again.stdout.contains("No changes"))
        let replan = try await FSRunner.run(["plan", "--repo", repo])
        #expect(replan.stdout.contains("No changes"))
    }

    @Test func breakingTypeChangeIsShownAndRefused() async throws {
        let repo = try await Self.initRepo()
        #expect(try await FSRunner.run(["apply", "--repo", repo]).status == 0)
        let file = (repo as NSString).appendingPathComponent("driver_stats.yaml")
        var text = try String(contentsOfFile: file, encoding: .utf8)
        text = text.replacingOccurrences(of: "acc_rate: float64", with: "acc_rate: string")
            .replacingOccurrences(
                of: "- name: acc_rate\n        type: float64", with: "- name: acc_rate\n        type: string")
        try text.write(toFile: file, atomically: true, encoding: .utf8)

        let plan = try await FSRunner.run(["plan", "--repo", repo])
        #expect(plan.stdout.contains("~ features.acc_rate: float64 -> string  [BREAKING"))
        #expect(plan.stdout.contains("(2 breaking)"))
        let refused = try await FSRunner.run(["apply", "--repo", repo])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("--allow-breaking"))
        let allowed = try await FSRunner.run(["apply", "--repo", repo, "--allow-breaking"])
        #expect(allowed.status == 0)
        #expect(allowed.stdout.contains("Registry version 1 -> 2."))
    }

    @Test func validationErrorsNameFileLineAndColumn() async throws {
        let repo = try await Self.initRepo()
        let bad =
            "feature_views:\n  - name: broken\n    entities: [drivr]\n    source: trips\n    ttl: 2x\n    features: [fare]\n"
        try bad.write(
            toFile: (repo as NSString).appendingPathComponent("broken.yaml"), atomically: true, encoding: .utf8)
        let result = try await FSRunner.run(["validate", "--repo", repo])
        #expect(result.status == 1)
        #expect(
            result.stderr.contains(
                "\(repo)/broken.yaml:3:16: error: feature view 'broken' uses unknown entity 'drivr'. Did you mean 'driver'?"
            ))
        #expect(
            result.stderr.contains("\(repo)/broken.yaml:5:10: error: 'ttl' of feature view 'broken' is not a duration"))
        // Apply refuses too and writes nothing.
        let apply = try await FSRunner.run(["apply", "--repo", repo])
        #expect(apply.status == 1)
        #expect(!FileManager.default.fileExists(atPath: (repo as NSString).appendingPathComponent(".fs/registry.db")))
    }

    /// A process killed in the middle of an apply leaves the registry as it was, and the next apply completes it.
    @Test func applyKilledBeforeCommitLeavesTheRegistryUnchanged() async throws {
        let repo = try await Self.initRepo()
        #expect(try await FSRunner.run(["apply", "--repo", repo]).status == 0)
        let file = (repo as NSString).appendingPathComponent("services.yaml")
        try (try String(contentsOfFile: file, encoding: .utf8)).replacingOccurrences(
            of: "      - driver_trip_stats:*\n", with: ""
        )
        .write(toFile: file, atomically: true, encoding: .utf8)
        let killed = try await FSRunner.run(
            ["apply", "--repo", repo], environment: ["FS_FAULT_INJECTION": "apply-before-commit"])
        #expect(killed.status == 137)
        let described = try await FSRunner.run(["describe", "driver_activity", "--repo", repo, "--json"])
        let objects = try JSONSerialization.jsonObject(with: Data(described.stdout.utf8)) as? [[String: Any]]
        #expect(objects?.first?["version"] as? Int == 1)
        let features = (objects?.first?["spec"] as? [String: Any])?["features"] as? [String]
        #expect(features?.contains("driver_trip_stats:*") == true)
        let completed = try await FSRunner.run(["apply", "--repo", repo])
        #expect(completed.stdout.contains("~ feature_service driver_activity"))
    }

    @Test func listDescribeAndTeardown() async throws {
        let repo = try await Self.initRepo()
        #expect(try await FSRunner.run(["apply", "--repo", repo]).status == 0)
        let list = try await FSRunner.run(["list", "feature-views", "--repo", repo, "--json"])
        let views = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]]
        #expect(views?.compactMap { $0["name"] as? String } == ["driver_hourly_stats", "driver_trip_stats"])
        let text = try await FSRunner.run(["list", "entities", "--repo", repo])
        #expect(text.stdout.contains("driver_id (int64)"))
        let missing = try await FSRunner.run(["describe", "driver_hourly_stat", "--repo", repo])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("Did you mean 'driver_hourly_stats'?"))
        let teardown = try await FSRunner.run(["teardown", "--repo", repo, "--yes"])
        #expect(teardown.status == 0)
        #expect(!FileManager.default.fileExists(atPath: (repo as NSString).appendingPathComponent(".fs/registry.db")))
    }

    @Test func commandLineMistakesAreUsageErrors() async throws {
        let repo = try await Self.initRepo()
        let noConfirm = try await FSRunner.run(["teardown", "--repo", repo])
        #expect(noConfirm.status == 64)
        #expect(noConfirm.stderr.contains("--yes"))
        let badKind = try await FSRunner.run(["list", "views", "--repo", repo])
        #expect(badKind.status == 64)
        let notARepo = try await FSRunner.run(["plan", "--repo", FSRunner.temporaryDirectory()])
        #expect(notARepo.status == 1)
        #expect(notARepo.stderr.contains("feature_store.yaml not found"))
        let unknown = try await FSRunner.run(["frobnicate"])
        #expect(unknown.status == 64)
    }

    @Test func initRefusesToOverwriteAndGeneratesData() async throws {
        let repo = try await Self.initRepo()
        let again = try await FSRunner.run(["init", repo])
        #expect(again.status == 1)
        #expect(again.stderr.contains("--data-only"))
        let data = try await FSRunner.run(["init", repo, "--data-only", "--end", "2026-01-01T00:00:00Z"])
        #expect(data.status == 0)
        let csv = try String(
            contentsOfFile: (repo as NSString).appendingPathComponent("data/trips.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("driver_id,event_timestamp,fare,distance_km\n"))
    }
}
