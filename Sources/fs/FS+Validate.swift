import ArgumentParser
import FeatureStoreKit

extension FS {
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the feature repo's definitions and report every problem with its file:line:column.")

        @OptionGroup var repoOptions: RepoOptions

        func run() throws {
            let repository = try reportingErrors { try repoOptions.open().loadRepository() }
            let d = repository.definitions
            print(
                "Valid: \(d.entities.count) entities, \(d.sources.count) sources, \(d.featureViews.count) feature views, \(d.featureServices.count) feature services in \(repository.files.count) files."
            )
        }
    }
}
