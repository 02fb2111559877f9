import FeatureRepo
import FeatureStoreCore
import Testing

/// A feature service's `monitoring:` block: defaults, and each bad field reported at its
/// `file:line:column` naming the service and the field.
@Suite struct MonitoringSettingsTests {
    static let base: [(String, String)] = [
        ("entities.yaml", ValidationTests.entities), ("sources.yaml", ValidationTests.source),
        (
            "views.yaml",
            ValidationTests.view("    entities: [driver]\n    source: stats\n    features: [rate, trips]\n")
        ),
    ]

    /// `services.yaml` with one service `s` whose last lines are `monitoring` (line 4 on).
    static func services(_ monitoring: String) -> String {
        "feature_services:\n  - name: s\n    features: [\"v:*\"]\n" + monitoring
    }

    func diagnostics(_ monitoring: String) -> [Diagnostic] {
        ValidationTests().diagnostics(Self.base + [("services.yaml", Self.services(monitoring))])
    }

    func parse(_ monitoring: String) throws -> MonitoringSettings? {
        try RepoLoader.parse(
            files: (Self.base + [("services.yaml", Self.services(monitoring))]).map {
                (name: $0.0, text: $0.1)
            }
        ).featureService("s")?.monitoring
    }

    /// The one diagnostic, as `file:line:column: message`.
    func only(_ monitoring: String) -> String {
        let found = diagnostics(monitoring)
        #expect(found.count == 1, "expected one diagnostic, got \(found)")
        return found.first.map { "\($0.file):\($0.line):\($0.column): \($0.message)" } ?? ""
    }

    @Test func absentMeansNoneAndEveryFieldIsOptional() throws {
        #expect(try parse("") == nil)
        #expect(try parse("    monitoring: {}\n") == MonitoringSettings())
        let settings = try parse(
            "    monitoring:\n      baseline: ranking_v3\n      window: 6h\n      psi_warn: 0.05\n      psi_alert: 0.2\n"
        )
        #expect(settings == MonitoringSettings(baseline: "ranking_v3", window: .hours(6), psiWarn: 0.05, psiAlert: 0.2))
        #expect(MonitoringSettings().window == .days(1))
        #expect(MonitoringSettings().psiWarn == 0.1)
        #expect(MonitoringSettings().psiAlert == 0.25)
    }

    @Test func badBaselineName() {
        let message = only("    monitoring:\n      baseline: \"my baseline\"\n")
        #expect(message.hasPrefix("services.yaml:5:17: baseline name 'my baseline' of feature service 's' must be"))
        #expect(message.contains("--save-profile"))
        #expect(only("    monitoring: {baseline: \"-x\"}\n").hasPrefix("services.yaml:4:28: baseline name '-x'"))
    }

    @Test(arguments: [
        ("0s", "is not a positive duration"), ("soon", "is not a positive duration"),
        ("-1d", "is not a positive duration"),
        ("400d", "is longer than the supported maximum"),
        ("99999999999999999999d", "is far longer than the supported maximum"),
    ])
    func badWindow(text: String, problem: String) {
        let message = only("    monitoring:\n      window: \(text)\n")
        #expect(message.hasPrefix("services.yaml:5:15: monitoring window '\(text)' of feature service 's' \(problem)"))
    }

    @Test(arguments: ["0", "-0.1", "nan", "inf", "high", "1e999"])
    func badThreshold(text: String) {
        let message = only("    monitoring:\n      psi_alert: \(text)\n")
        #expect(
            message.hasPrefix(
                "services.yaml:5:18: 'psi_alert' of the monitoring of feature service 's' must be a number above 0, not '\(text)'"
            ), "\(message)")
    }

    @Test func aWarningAboveTheAlert() {
        #expect(
            only("    monitoring:\n      psi_warn: 0.3\n").hasPrefix(
                "services.yaml:5:17: psi_warn (0.3) of feature service 's' is above its psi_alert (0.25)"))
        #expect(
            only("    monitoring:\n      psi_alert: 0.05\n").hasPrefix(
                "services.yaml:5:18: psi_warn (0.1) of feature service 's' is above its psi_alert (0.05)"))
    }

    @Test func unknownFieldAndWrongShape() {
        #expect(
            only("    monitoring:\n      psi_alrt: 0.3\n").hasPrefix(
                "services.yaml:5:7: unknown field 'psi_alrt' in monitoring of feature service 's'. Did you mean 'psi_alert'?"
            ))
        #expect(
            only("    monitoring: daily\n").hasPrefix(
                "services.yaml:4:17: monitoring of feature service 's' must be a mapping"))
    }

    @Test func everyProblemIsReported() {
        let found = diagnostics("    monitoring:\n      baseline: \"a b\"\n      window: 0s\n      psi_warn: x\n")
        #expect(found.map(\.line) == [5, 6, 7])
    }

    @Test func baselineNames() {
        for good in ["a", "ranking_v3", "2026-11.base", String(repeating: "x", count: 128)] {
            #expect(MonitoringSettings.isValidBaselineName(good), "\(good)")
        }
        for bad in ["", "_a", ".a", "-a", "a b", "a/b", "é", String(repeating: "x", count: 129), "a\n"] {
            #expect(!MonitoringSettings.isValidBaselineName(bad), "\(bad)")
        }
    }
}
