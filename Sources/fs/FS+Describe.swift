import ArgumentParser
import FeatureStoreKit
import Foundation

extension FS {
    struct Describe: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one registered object in full.")

        @Argument(help: "The name of an entity, source, feature view or feature service.")
        var name: String

        @OptionGroup var repoOptions: RepoOptions

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            let snapshot = try reportingErrors { try repoOptions.open().snapshot() }
            let matches = snapshot.objects(named: name)
            guard !matches.isEmpty else {
                let names = ObjectKind.allCases.flatMap { snapshot.objects(of: $0).map(\.name) }
                printError(
                    "error: nothing named '\(name)' is registered.\(Suggestion.didYouMean(name, in: names)) `fs list KIND` shows what is."
                )
                throw ExitCode.failure
            }
            if json { return try printJSON(matches.count == 1 ? [matches[0]] : matches) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            for object in matches {
                print(
                    "\(object.kind.rawValue) \(object.name) (version \(object.record?.version ?? 0), generation \(object.record?.generation ?? 0))"
                )
                print(String(decoding: try encoder.encode(object.spec), as: UTF8.self))
            }
        }
    }
}
