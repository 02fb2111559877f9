import FeatureRepo
import FeatureStoreCore
import Testing

/// A feature service's `logging:` block: defaults, each bad field at its `file:line:column`, and a
/// change of it as a visible, non-breaking plan change.
@Suite struct LoggingSettingsTests {
    func diagnostics(_ logging: String) -> [Diagnostic] {
        ValidationTests().diagnostics(
            MonitoringSettingsTests.base + [("services.yaml", MonitoringSettingsTests.services(logging))])
    }

    func parse(_ logging: String) throws -> RepoDefinitions {
        try RepoLoader.parse(
            files: (MonitoringSettingsTests.base + [("services.yaml", MonitoringSettingsTests.services(logging))]).map {
                (name: $0.0, text: $0.1)
            })
    }

    func only(_ logging: String) -> String {
        let found = diagnostics(logging)
        #expect(found.count == 1, "expected one diagnostic, got \(found)")
        return found.first.map { "\($0.file):\($0.line):\($0.column): \($0.message)" } ?? ""
    }

    @Test func absentMeansNoneAndEveryFieldIsOptional() throws {
        #expect(try parse("").featureService("s")?.logging == nil)
        #expect(
            try parse("    logging: {}\n").featureService("s")?.logging
                == LoggingSettings(sampleRate: 1, sampleBy: .request))
        #expect(
            try parse("    logging:\n      sample_rate: 0.1\n      sample_by: key\n").featureService("s")?.logging
                == LoggingSettings(sampleRate: 0.1, sampleBy: .key))
        #expect(
            try parse("    logging: {sample_by: request, sample_rate: 1}\n").featureService("s")?.logging
                == LoggingSettings(sampleRate: 1, sampleBy: .request))
    }

    @Test(arguments: ["0", "-0.5", "1.01", "2", "nan", "inf", "often", "1e999", ""])
    func badSampleRate(text: String) {
        let message = only("    logging:\n      sample_rate: \"\(text)\"\n")
        #expect(
            message.hasPrefix(
                "services.yaml:5:20: 'sample_rate' of the logging of feature service 's' must be a number above 0 and at most 1, not '\(text)'"
            ), "\(message)")
    }

    @Test func badSampleBy() {
        let message = only("    logging:\n      sample_by: keys\n")
        #expect(
            message.hasPrefix(
                "services.yaml:5:18: 'sample_by' of the logging of feature service 's' must be key (every lookup of a sampled entity) or request"
            ), "\(message)")
        #expect(message.contains("Did you mean 'key'?"))
    }

    @Test func unknownFieldWrongShapeAndEveryProblem() {
        #expect(
            only("    logging:\n      sample_rte: 0.3\n").hasPrefix(
                "services.yaml:5:7: unknown field 'sample_rte' in logging of feature service 's'. Did you mean 'sample_rate'?"
            ))
        #expect(
            only("    logging: yes\n").hasPrefix("services.yaml:4:14: logging of feature service 's' must be a mapping")
        )
        #expect(diagnostics("    logging:\n      sample_rate: 0\n      sample_by: entity\n").map(\.line) == [5, 6])
    }

    @Test func aChangeIsAVisibleNonBreakingPlanChange() throws {
        let before = try parse("    logging: {sample_rate: 0.5}\n")
        let after = try parse("    logging: {sample_rate: 0.25, sample_by: key}\n")
        let plan = RegistryPlan(from: before, to: after)
        #expect(plan.changes.map(\.id) == [ObjectID(.featureService, "s")])
        #expect(plan.breakingChanges.isEmpty)
        let fields = plan.changes[0].fields
        #expect(fields.map(\.path) == ["logging.sample_by", "logging.sample_rate"])
        #expect(fields.first { $0.path == "logging.sample_rate" }.map { [$0.old, $0.new] } == ["0.5", "0.25"])
        #expect(fields.first { $0.path == "logging.sample_by" }.map { [$0.old, $0.new] } == ["request", "key"])
        let removed = RegistryPlan(from: before, to: try parse(""))
        #expect(removed.changes.count == 1 && removed.breakingChanges.isEmpty)
    }

    @Test func retentionIsAtLeastADayAndAPlanChange() throws {
        #expect(try parse("    logging: {retention: 90d}\n").featureService("s")?.logging?.retention == .days(90))
        for bad in ["0", "12h", "soon", "-1d", "99999999999999999999d"] {
            let message = only("    logging:\n      retention: \"\(bad)\"\n")
            #expect(
                message.hasPrefix(
                    "services.yaml:5:18: 'retention' of the logging of feature service 's' must be a duration of at least 1d, not '\(bad)'"
                ), "\(message)")
        }
        let plan = RegistryPlan(
            from: try parse("    logging: {retention: 30d}\n"), to: try parse("    logging: {retention: 90d}\n"))
        #expect(plan.changes.first?.fields.map(\.path) == ["logging.retention"])
        #expect(plan.breakingChanges.isEmpty)
    }
}
