import ArgumentParser
import FeatureStoreKit
import Foundation

extension FS {
    struct Drift: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare a feature service's features in a recent window with a saved baseline.",
            discussion: """
                Per feature: PSI over the baseline's deciles and the Jensen-Shannon distance (top 20 values \
                and other for strings and bools), and a status: ok, warn (PSI >= 0.1) or alert (PSI >= 0.25), \
                or the service's monitoring thresholds. Exits with 1 when a --fail-on rule fires, for cron \
                and CI. The baseline and window default to the service's monitoring settings.
                """)

        @OptionGroup var repoOptions: RepoOptions

        @Option(help: ArgumentHelp("The feature service.", valueName: "name"))
        var service: String

        @Option(help: ArgumentHelp("The baseline (default: the service's monitoring.baseline).", valueName: "name"))
        var baseline: String?

        @Option(
            help: ArgumentHelp("The window, ending now (default: monitoring.window, else 1d).", valueName: "duration"))
        var window: WindowArgument?

        @Option(
            help: "Where the window's values come from: offline (the offline history) or served (served-vector logs).")
        var source: ProfileSourceKind = .offline

        @Option(
            help: ArgumentHelp(
                "Exit with 1 when a rule fires for any feature: psi>0.25, js>=0.1, null_ratio>0.05 (comma-separated: any).",
                valueName: "rules"))
        var failOn: String?

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            let report = try reportingErrors {
                let rules = try failOn.map(DriftRule.parseList) ?? []
                return try repoOptions.open().drift(
                    DriftRequest(
                        service: service, baseline: baseline, window: window?.span, source: source, rules: rules))
            }
            if json {
                try printJSON(report)
            } else {
                print(Self.text(report))
            }
            if !report.fired.isEmpty { throw ExitCode.failure }
        }

        static func text(_ report: DriftReport) -> String {
            let source = report.source == .served ? "served logs" : "offline history"
            var lines = [
                "Feature service '\(report.service)' against baseline '\(report.baseline.name)' (\(report.baseline.rows) rows, saved \(report.baseline.createdAt.rfc3339))",
                "Window: \(source), \(report.windowStart.rfc3339) to \(report.windowEnd.rfc3339); PSI warns at \(ProfileText.number(report.thresholds.psiWarn)), alerts at \(ProfileText.number(report.thresholds.psiAlert))",
                "",
            ]
            let rows: [[String]] = report.features.map { feature in
                let nulls = [feature.baselineNullRatio, feature.windowNullRatio].map {
                    $0.map(ProfileText.percent) ?? "-"
                }
                return [
                    "\(feature.view):\(feature.feature)", feature.status.rawValue,
                    feature.psi.map { String(format: "%.4f", $0) } ?? "-",
                    feature.jensenShannon.map { String(format: "%.4f", $0) } ?? "-", "\(feature.baselineCount)",
                    "\(feature.windowCount)", nulls.joined(separator: " / "), feature.note ?? "",
                ]
            }
            let header = ["FEATURE", "STATUS", "PSI", "JS", "BASELINE", "WINDOW", "NULLS", ""]
            let widths = header.indices.map { column in
                ([header] + rows).map { $0[column].count }.max() ?? 0
            }
            for row in [header] + rows {
                let cells = row.enumerated().map { index, cell in
                    index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                }
                lines.append(cells.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
            }
            let counts = Dictionary(grouping: report.features, by: \.status).mapValues(\.count)
            let summary = [DriftStatus.alert, .warn, .ok, .noData].compactMap { status in
                counts[status].map { "\($0) \(status.rawValue)" }
            }
            lines.append("")
            lines.append(summary.joined(separator: ", ") + ".")
            if !report.rules.isEmpty {
                if report.fired.isEmpty {
                    lines.append("Rules \(report.rules.joined(separator: ", ")): none fired.")
                } else {
                    for firing in report.fired {
                        lines.append(
                            "FIRED: \(firing.rule) for \(firing.view):\(firing.feature) (\(String(format: "%.4f", firing.value)))"
                        )
                    }
                }
            }
            return lines.joined(separator: "\n")
        }
    }
}
