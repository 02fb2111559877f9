import ArgumentParser
import FeatureStoreCore
import FeatureStoreKit
import Foundation

/// `--repo DIR`, shared by every command that works on a feature repo.
struct RepoOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("The feature repo directory (the folder with feature_store.yaml).", valueName: "dir"))
    var repo: String = "."

    func open() throws -> FeatureStore {
        try FeatureStore(repo: repo)
    }
}

/// Runs `body`, printing a ``FeatureStoreError`` as `error: ...` on stderr and exiting with 1.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as FeatureStoreError {
        printError("error: \(error.description)")
        throw ExitCode.failure
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Prints an `Encodable` as pretty JSON with sorted keys.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
