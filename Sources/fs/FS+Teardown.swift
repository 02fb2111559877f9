import ArgumentParser
import FeatureStoreKit

extension FS {
    struct Teardown: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete the registry, the offline store and the online store of the repo.")

        @OptionGroup var repoOptions: RepoOptions

        @Flag(help: "Confirm: the stores' data is deleted for good.")
        var yes = false

        func validate() throws {
            if !yes {
                throw ValidationError("teardown deletes the registry and all stored data; pass --yes to confirm")
            }
        }

        func run() throws {
            let store = try reportingErrors { try repoOptions.open() }
            try reportingErrors { try store.teardown() }
            print("Removed the registry and the stores of project '\(store.config.project)'.")
        }
    }
}
