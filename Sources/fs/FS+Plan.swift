import ArgumentParser
import FeatureStoreKit

extension FS {
    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what `fs apply` would change in the registry, marking breaking changes.")

        @OptionGroup var repoOptions: RepoOptions

        @Flag(help: "Print the plan as JSON.")
        var json = false

        func run() throws {
            let plan = try reportingErrors { try repoOptions.open().plan() }
            if json {
                try printJSON(plan)
            } else {
                print(plan.rendered())
                if !plan.breakingChanges.isEmpty {
                    print("Breaking changes drop stored data; `fs apply` needs --allow-breaking to make them.")
                }
            }
        }
    }
}
