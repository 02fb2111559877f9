import ArgumentParser
import FeatureStoreKit

extension FS {
    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register the feature repo's definitions and prepare the stores, all or nothing.")

        @OptionGroup var repoOptions: RepoOptions

        @Flag(help: "Make breaking changes, dropping the stored data they invalidate.")
        var allowBreaking = false

        func run() throws {
            let result = try reportingErrors { try repoOptions.open().apply(allowBreaking: allowBreaking) }
            if result.plan.isEmpty {
                print("No changes. The registry matches the feature repo (version \(result.after.version)).")
            } else {
                print(result.plan.rendered(verb: "Applied"))
                print("Registry version \(result.before.version) -> \(result.after.version).")
            }
            for note in result.notes { print(note) }
        }
    }
}
