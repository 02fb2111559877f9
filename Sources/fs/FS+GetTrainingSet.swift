import ArgumentParser
import FeatureStoreKit
import Foundation

extension FS {
    struct GetTrainingSet: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "get-training-set",
            abstract: "Join features to a spine as of each row's event_timestamp, without leakage.",
            discussion: """
                For each spine row and feature view: the latest source row with the same join keys and \
                event time in [t - ttl, t] (no lower bound when the ttl is 0), ties going to the latest \
                created time; null when none. Every spine row appears once, in order, with its columns.
                """)

        @OptionGroup var repoOptions: RepoOptions

        @Option(
            help: ArgumentHelp("The spine: .csv or .jsonl with the join keys and event_timestamp.", valueName: "file"))
        var spine: String

        @Option(help: ArgumentHelp("Features to add: view:feature,view:* ...", valueName: "list"))
        var features: String?

        @Option(help: ArgumentHelp("A feature service whose features to add.", valueName: "name"))
        var featureService: String?

        @Flag(help: "Name the feature columns view__feature.")
        var fullFeatureNames = false

        @Option(help: ArgumentHelp("The output: .csv or .jsonl, or - for CSV on standard output.", valueName: "file"))
        var out: String

        @Option(
            help: ArgumentHelp(
                "Also save the profile of each feature column as the baseline NAME (for fs drift), replacing one of that name.",
                valueName: "name"))
        var saveProfile: String?

        func validate() throws {
            if (features == nil) == (featureService == nil) {
                throw ValidationError("give exactly one of --features view:feature,... and --feature-service NAME")
            }
        }

        func run() throws {
            var saved: SavedBaseline?
            let result = try reportingErrors {
                let selection: TrainingSetFeatures =
                    if let featureService { .service(featureService) } else { try .parse(features ?? "") }
                let store = try repoOptions.open()
                if let saveProfile {
                    saved = try store.trainingSet(
                        spine: spine, features: selection, fullFeatureNames: fullFeatureNames, output: out,
                        saveProfile: saveProfile)
                    return saved!.result
                }
                return try store.trainingSet(
                    spine: spine, features: selection, fullFeatureNames: fullFeatureNames, output: out)
            }
            let matched = result.matched.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
                separator: ", ")
            let destination = out == "-" ? "standard output" : out
            let seconds = String(format: "%.2f", result.seconds)
            let summary =
                "Wrote \(result.rows) rows x \(result.columns.count) columns to \(destination) in \(seconds) s (spine rows with features: \(matched))"
            if out == "-" { printError(summary) } else { print(summary) }
            if let saved {
                let replaced = saved.replaced.map { " (replacing the one saved \($0.createdAt.rfc3339))" } ?? ""
                let line =
                    "Saved baseline '\(saved.baseline.name)'\(replaced): profiles of \(saved.baseline.features.count) features over \(saved.baseline.rows) rows."
                if out == "-" { printError(line) } else { print(line) }
            }
        }
    }
}
