import ArgumentParser
import FeatureStoreKit

extension FS {
    struct Teardown: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete the registry, the offline store and the online store of the repo.")

        @OptionGroup var repoOptions: RepoOptions

        @Flag(help: "Confirm: the stores' data is deleted for good.")
        var yes = false

        @Flag(help: "Also delete stores that feature_store.yaml places outside the repo folder.")
        var forceOutsideRepo = false

        func validate() throws {
            if !yes {
                throw ValidationError("teardown deletes the registry and all stored data; pass --yes to confirm")
            }
        }

        func run() throws {
            let store = try reportingErrors { try repoOptions.open() }
            let report = try reportingErrors { try store.teardown(outsideRepo: forceOutsideRepo) }
            if report.removed.isEmpty {
                print("Nothing to remove: project '\(store.config.project)' has no registry or stores yet.")
            } else {
                let what = store.config.postgresRegistry == nil ? "the registry and the stores" : "the local stores"
                print("Removed \(what) of project '\(store.config.project)':")
                for path in report.removed { print("  \(path)") }
            }
            for note in report.kept { print("Left alone: \(note)") }
        }
    }
}
