import ArgumentParser
import FeatureStoreCore
import FeatureStoreKit

extension FS {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a ready-to-run demo feature repo (ride-sharing drivers and trips).")

        @Argument(help: "The directory to create.")
        var directory: String

        @Flag(help: "Only (re)generate the data files, keeping the definitions.")
        var dataOnly = false

        @Flag(help: "Only write the definitions, no data.")
        var noData = false

        @Option(help: "Seed of the generated data.")
        var seed: UInt64 = 42

        @Option(help: "The last hour of generated data, RFC 3339 (default: the current hour).")
        var end: String?

        func validate() throws {
            if dataOnly && noData { throw ValidationError("--data-only and --no-data exclude each other") }
            if let end, Timestamp.parse(end) == nil {
                throw ValidationError("--end '\(end)' is not an RFC 3339 timestamp such as 2026-01-31T12:00:00Z")
            }
        }

        func run() throws {
            let options = DemoData.Options(seed: seed, end: end.flatMap { Timestamp.parse($0) })
            let written = try reportingErrors {
                try DemoRepo.write(to: directory, writeDefinitions: !dataOnly, writeData: !noData, options: options)
            }
            for path in written { print("  wrote \(directory)/\(path)") }
            if !dataOnly {
                print(
                    "Created feature repo '\(directory)'. Next: fs plan --repo \(directory) && fs apply --repo \(directory)"
                )
            }
        }
    }
}
