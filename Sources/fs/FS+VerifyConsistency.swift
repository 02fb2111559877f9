import ArgumentParser
import FeatureStoreKit
import Foundation

extension FS {
    struct VerifyConsistency: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify-consistency",
            abstract: "Check that online values equal the training-set values at the same time, for sampled entities.",
            discussion: "Exits with 1 when any feature disagrees, so it can gate a deployment.")

        @OptionGroup var repoOptions: RepoOptions

        @Option(help: "Entities to sample per feature view.")
        var sample = 100

        @Option(help: ArgumentHelp("Only these feature views (comma-separated).", valueName: "v1,v2"))
        var views: String?

        @Flag(help: "Print the report as JSON.")
        var json = false

        func validate() throws {
            if sample < 1 { throw ValidationError("--sample must be at least 1") }
        }

        func run() throws {
            let report = try reportingErrors {
                try repoOptions.open().verifyConsistency(sample: sample, views: commaSeparated(views))
            }
            if json {
                try printJSON(report)
            } else {
                for feature in report.features {
                    let state = feature.mismatches == 0 ? "ok" : "\(feature.mismatches) MISMATCHES"
                    print("\(feature.view):\(feature.feature): \(feature.checked) entities checked, \(state)")
                    for example in feature.examples {
                        let entity = example.entity.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                            separator: ",")
                        print("    \(entity): offline \(example.offline), online \(example.online)")
                    }
                }
                print("\(report.mismatches) mismatches at \(report.time.rfc3339).")
            }
            if report.mismatches > 0 { throw ExitCode.failure }
        }
    }
}
