import ArgumentParser
import FeatureStoreKit
import Foundation

extension FS {
    struct Consistency: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check what a feature service served (its served-vector log) against the offline history.",
            discussion: """
                Replays each logged row (join keys, __log_timestamp) through the training set's point-in-time \
                join and compares every feature's served value with the offline value as of the log time, \
                exactly (doubles as stored). Per feature: rows checked, mismatch, missing (served null, offline \
                a value) and extra (served a value, offline null) rates, for numbers the mean absolute error and \
                SMAPE, and the worst examples. Rows whose offline value comes from a row created after the \
                lookup are late data, counted apart and not as mismatches. The figures are stored; fs serve \
                exports the latest run as fs_consistency_mismatch_ratio. Exits with 1 when the overall \
                mismatch rate is above --max-mismatch.
                """)

        @OptionGroup var repoOptions: RepoOptions

        @OptionGroup var log: ServedLogOptions

        @Option(help: ArgumentHelp("The highest overall mismatch rate that passes, 0 to 1.", valueName: "rate"))
        var maxMismatch: Double = 0

        @Option(help: ArgumentHelp("Examples shown per feature.", valueName: "n"))
        var examples = 5

        @Option(help: ArgumentHelp("text or json.", valueName: "format"))
        var format: OutputFormat = .text

        enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
            case text, json
        }

        func validate() throws {
            guard maxMismatch.isFinite, maxMismatch >= 0, maxMismatch <= 1 else {
                throw ValidationError("--max-mismatch must be a rate from 0 to 1, such as 0.01; got \(maxMismatch)")
            }
            guard examples >= 0 else { throw ValidationError("--examples must be 0 or more; got \(examples)") }
        }

        func run() throws {
            let report = try reportingErrors {
                try repoOptions.open().servedConsistency(
                    ServedConsistencyRequest(
                        service: log.service, from: log.from?.timestamp, to: log.to?.timestamp,
                        maxMismatch: maxMismatch,
                        examples: examples))
            }
            switch format {
            case .json: try printJSON(report)
            case .text: print(Self.text(report))
            }
            if !report.passed { throw ExitCode.failure }
        }

        static func text(_ report: ServedConsistencyReport) -> String {
            let range = "\(report.from?.rfc3339 ?? "the first row") to \(report.to?.rfc3339 ?? "the last row")"
            var lines = ["Feature service '\(report.service)': \(report.rows) logged rows, \(range)"]
            for result in report.features {
                let figures = result.figures
                var line =
                    "\(figures.view):\(figures.feature): \(figures.checked) checked, mismatch \(ProfileText.percent(figures.mismatchRatio)) (\(figures.mismatches)), missing \(ProfileText.percent(figures.missingRatio)), extra \(ProfileText.percent(figures.extraRatio)), late \(figures.late)"
                if let error = figures.meanAbsoluteError, let smape = figures.smape {
                    line += ", MAE \(ProfileText.number(error)), SMAPE \(ProfileText.number(smape))"
                }
                lines.append(line)
                for example in result.examples {
                    let keys = example.keys.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                        separator: ",")
                    lines.append(
                        "    \(example.kind): request \(example.requestID) at \(example.logTimestamp.rfc3339), \(keys): served \(example.served), offline \(example.offline)"
                    )
                }
            }
            let verdict = report.passed ? "ok" : "FAILED"
            lines.append(
                "\(report.mismatches) of \(report.checked) values differ (\(ProfileText.percent(report.mismatchRatio)), allowed \(ProfileText.percent(report.maxMismatch))): \(verdict)"
            )
            return lines.joined(separator: "\n")
        }
    }
}
