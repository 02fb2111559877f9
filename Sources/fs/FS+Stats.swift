import ArgumentParser
import FeatureStoreKit
import Foundation

extension FS {
    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print profiles of a view's features: counts, nulls, distinct values, quantiles, top values.",
            discussion: """
                Offline profiles are kept per hour as rows are ingested or pushed (hours older than 8 days \
                merge into days) and merged over the range asked for; --rescan computes them from the stored \
                rows instead. --source served reads the profiles of served-vector logs, --baseline NAME a \
                baseline saved by fs get-training-set --save-profile NAME. Quantiles are within 1.65% of \
                their rank (KLL), distinct counts within about 1.6% (HyperLogLog).
                """)

        @OptionGroup var repoOptions: RepoOptions

        @Argument(help: ArgumentHelp("A feature view, or one of its features.", valueName: "view[:feature]"))
        var reference: String

        @Option(help: "Where the values come from: offline (the offline history) or served (served-vector logs).")
        var source: ProfileSourceKind = .offline

        @Option(help: ArgumentHelp("Show a saved baseline instead.", valueName: "name"))
        var baseline: String?

        @Option(help: ArgumentHelp("Only the last DURATION (1d: the last 24 hourly buckets).", valueName: "duration"))
        var window: WindowArgument?

        @Option(help: ArgumentHelp("Only buckets starting at or after this time (RFC 3339).", valueName: "time"))
        var from: TimestampArgument?

        @Option(help: ArgumentHelp("Only buckets starting before this time (RFC 3339 or now).", valueName: "time"))
        var to: TimestampArgument?

        @Flag(help: "Compute the profiles from the stored rows now instead of the stored hourly profiles.")
        var rescan = false

        @Flag(help: "Recompute the stored hourly profiles of the view's source from its rows first.")
        var rebuild = false

        @Flag(help: "Print JSON.")
        var json = false

        func validate() throws {
            if window != nil && (from != nil || to != nil) {
                throw ValidationError("give either --window or --from/--to, not both")
            }
            if baseline != nil && (window != nil || from != nil || to != nil || rescan || rebuild) {
                throw ValidationError(
                    "a baseline is one profile: --baseline takes no --window, --from, --to, --rescan or --rebuild")
            }
            if source == .served && (rescan || rebuild) {
                throw ValidationError(
                    "--rescan and --rebuild read the offline history; they do not apply to --source served")
            }
        }

        func run() throws {
            let report = try reportingErrors {
                let store = try repoOptions.open()
                var request = StatsRequest(
                    reference: reference, source: source, baseline: baseline, from: from?.timestamp, to: to?.timestamp,
                    rescan: rescan, rebuild: rebuild)
                if let window {
                    let range = store.profileWindow(window.span)
                    request.from = range.start
                    request.to = range.end
                }
                return try store.stats(request)
            }
            if json { return try printJSON(report) }
            for feature in report.features { print(Self.text(feature)) }
        }

        static func text(_ stats: StatsReport.FeatureStats) -> String {
            var lines: [String] = []
            var heading = "\(stats.view):\(stats.feature) (\(stats.type.rawValue)), \(stats.source)"
            if let start = stats.start, let end = stats.end, stats.buckets > 0 {
                heading +=
                    ", \(start.rfc3339) to \(end.rfc3339) (\(stats.buckets) bucket\(stats.buckets == 1 ? "" : "s"))"
            }
            lines.append(heading)
            if let note = stats.note { lines.append("  \(note)") }
            guard let profile = stats.profile else { return lines.joined(separator: "\n") }
            lines.append(
                "  count \(profile.count)  nulls \(profile.nulls) (\(ProfileText.percent(profile.nullRatio)))  invalid \(profile.invalid)  distinct ~\(profile.distinct)"
            )
            if let minimum = profile.minimum, let maximum = profile.maximum {
                var line = "  min \(ProfileText.number(minimum))  max \(ProfileText.number(maximum))"
                if let mean = profile.mean { line += "  mean \(ProfileText.number(mean))" }
                if let deviation = profile.standardDeviation { line += "  stddev \(ProfileText.number(deviation))" }
                lines.append(line)
            }
            if let quantiles = profile.quantiles {
                lines.append(
                    "  "
                        + ProfileSummary.quantilePoints.compactMap { point in
                            quantiles[point.name].map { "\(point.name) \(ProfileText.number($0))" }
                        }.joined(separator: "  "))
            }
            if let top = profile.top, !top.isEmpty {
                let values = top.map { "\(Quote.value($0.value)) \($0.count) (\(ProfileText.percent($0.share)))" }
                var line = "  top " + values.joined(separator: ", ")
                if let bound = profile.topErrorBound, bound > 0 {
                    line += " (counts at most \(ProfileText.number(bound.rounded(.up))) low)"
                }
                lines.append(line)
            }
            return lines.joined(separator: "\n")
        }
    }
}
