import ArgumentParser
import FeatureStoreKit
import Foundation

extension FS {
    struct Ingest: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Append a CSV or JSON Lines file to a source's offline history, all or nothing.",
            discussion: """
                The file is checked against the source's schema. A bad row stops the ingest and nothing \
                of the file is stored, unless --skip-bad-rows is given. Every row is an event, two identical \
                rows included, unless the source declares dedupe_on. A file whose content was ingested \
                into the source before is not stored again, unless --force is given.
                """)

        @OptionGroup var repoOptions: RepoOptions

        @Argument(help: "The registered source to ingest into.")
        var source: String

        @Argument(help: "The file: .csv with a header line, or .jsonl with one JSON object per line.")
        var file: String

        @Flag(help: "Store the good rows and write the bad ones, with their reasons, to the rejects file.")
        var skipBadRows = false

        @Option(help: ArgumentHelp("Where rejected rows go (default: FILE.rejects.csv).", valueName: "file"))
        var rejects: String?

        @Flag(help: "Ingest the file even if the same content was ingested into the source before.")
        var force = false

        /// Redraws a one-line progress bar on the terminal.
        @Sendable static func showProgress(_ progress: IngestProgress) {
            let share = progress.totalBytes > 0 ? Double(progress.bytesRead) / Double(progress.totalBytes) : 1
            let width = 30
            let filled = min(width, Int(share * Double(width)))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let rate = progress.seconds > 0 ? Int(Double(progress.rows) / progress.seconds) : 0
            let text =
                "\r[\(bar)] \(Int(share * 100))% \(progress.rows) rows, \(progress.rejected) rejected, \(rate) rows/s"
            printError(text, newline: false)
        }

        func run() throws {
            let progress: (@Sendable (IngestProgress) -> Void)? = isatty(2) == 1 ? Self.showProgress : nil
            let options = IngestOptions(
                skipBadRows: skipBadRows, rejectsPath: rejects, force: force, progress: progress)
            let store = try reportingErrors { try repoOptions.open() }
            let result = try reportingErrors { try store.ingest(source: source, file: file, options: options) }
            if progress != nil { printError("\r\u{1B}[K", newline: false) }
            if let earlier = result.alreadyIngested {
                print(
                    "Already ingested: the content of \(file) went into \(source) on \(earlier.ingestedAt.rfc3339) (from \(earlier.file), \(earlier.stored) rows stored); nothing stored now. Pass --force to ingest it again."
                )
                return
            }
            var line =
                "Ingested \(file) into \(source): \(result.rows) rows, \(result.inserted) new"
            if result.replaced > 0 { line += ", \(result.replaced) replacing an earlier version" }
            if result.duplicates > 0 { line += ", \(result.duplicates) already stored (dedupe_on)" }
            line += ", \(result.rejected) rejected, \(Int(result.rowsPerSecond)) rows/s"
            line += String(format: " (%.2f s)", result.seconds)
            print(line)
            if let path = result.rejectsPath { print("Rejected rows and their reasons: \(path)") }
            guard result.inserted > 0 || result.replaced > 0 else { return }
            // The rows are committed; their profiles (fs stats, fs drift) follow in a transaction of
            // their own, and a failure here only delays them to the next read, which catches up.
            do {
                if let update = try store.updateOfflineProfiles(source: source, arrived: result.arrivedProfiles) {
                    print(
                        "Profiled \(update.rows) rows for fs stats and fs drift (\(update.features) features, \(String(format: "%.2f", update.seconds)) s)"
                    )
                }
            } catch {
                printError(
                    "warning: the rows are stored, but their profiles were not updated (\(error)); fs stats and fs drift bring them up to date when they run"
                )
            }
        }
    }
}

/// Writes `text` to stderr, with or without a newline.
func printError(_ text: String, newline: Bool) {
    FileHandle.standardError.write(Data((newline ? text + "\n" : text).utf8))
}
