import ArgumentParser
import FeatureStoreKit
import Foundation

/// Options shared by `materialize` and `materialize-incremental`.
struct MaterializeOptions: ParsableArguments {
    @OptionGroup var repoOptions: RepoOptions

    @Option(help: ArgumentHelp("Only these feature views (comma-separated).", valueName: "v1,v2"))
    var views: String?

    @Flag(help: "Print the summary as JSON.")
    var json = false

    /// Prints the report the way the flags ask.
    func report(_ report: MaterializationReport) throws {
        if let unrecorded = report.unrecorded { printError("warning: \(unrecorded)") }
        if json { return try printJSON(report) }
        if let requested = report.requestedEnd, let end = report.views.first?.to {
            print(
                "The end \(requested.rfc3339) is in the future; materialized up to now (\(end.rfc3339)) instead, so no watermark passes the current time."
            )
        }
        for view in report.views {
            print(
                "\(view.view): \(view.rowsScanned) rows scanned, \(view.entities) entities, \(view.written) written (\(view.from.rfc3339) .. \(view.to.rfc3339)), \(String(format: "%.2f", view.seconds)) s"
            )
        }
        for (view, reason) in report.skipped.sorted(by: { $0.key < $1.key }) { print("\(view): skipped, \(reason)") }
        let rate = report.seconds > 0 ? Double(report.rowsScanned) / report.seconds : 0
        print(
            "Materialized \(report.views.count) view\(report.views.count == 1 ? "" : "s"): \(report.rowsScanned) rows scanned, \(report.written) rows written in \(String(format: "%.2f", report.seconds)) s (\(Int(rate)) rows/s)."
        )
    }

    /// A progress line on a terminal; nothing otherwise.
    var progress: ((MaterializationProgress) -> Void)? {
        guard !json, isatty(2) != 0 else { return nil }
        return { p in
            FileHandle.standardError.write(
                Data("\r\u{1B}[K[\(p.viewIndex + 1)/\(p.viewCount)] \(p.view): \(p.rowsScanned) entities".utf8))
        }
    }

    func finishProgress() {
        if progress != nil { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

extension FS {
    struct Materialize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the latest values with START <= event time <= END to the online store.",
            discussion:
                "Safe to re-run and to run from cron: runs never overlap, online writes never go back in time, and a killed run is finished by the next one."
        )

        @Argument(help: "Start, RFC 3339 or `now`.", transform: TimestampArgument.init(parsing:))
        var start: TimestampArgument

        @Argument(help: "End, RFC 3339 or `now`.", transform: TimestampArgument.init(parsing:))
        var end: TimestampArgument

        @OptionGroup var options: MaterializeOptions

        func validate() throws {
            if start.timestamp > end.timestamp { throw ValidationError("START is after END; swap them") }
        }

        func run() throws {
            let views = commaSeparated(options.views)
            let report = try reportingErrors {
                try forwardingToServer(repo: options.repoOptions) {
                    try options.repoOptions.open().materialize(
                        from: start.timestamp, to: end.timestamp, views: views, progress: options.progress)
                } remote: { server in
                    try remoteMaterialize(
                        server: server, path: "/materialize", start: start.timestamp, end: end.timestamp, views: views)
                }
            }
            options.finishProgress()
            try options.report(report)
        }
    }

    struct MaterializeIncremental: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "materialize-incremental",
            abstract: "Materialize each view from where its last run stopped up to END.",
            discussion:
                "A view's first run starts at END - ttl (all history when its ttl is 0). Meant for cron: `*/5 * * * * fs materialize-incremental now --repo /srv/repo`."
        )

        @Argument(help: "End, RFC 3339 or `now`.", transform: TimestampArgument.init(parsing:))
        var end: TimestampArgument

        @OptionGroup var options: MaterializeOptions

        func run() throws {
            let views = commaSeparated(options.views)
            let report = try reportingErrors {
                try forwardingToServer(repo: options.repoOptions) {
                    try options.repoOptions.open().materializeIncremental(
                        to: end.timestamp, views: views, progress: options.progress)
                } remote: { server in
                    try remoteMaterialize(
                        server: server, path: "/materialize-incremental", start: nil, end: end.timestamp, views: views)
                }
            }
            options.finishProgress()
            try options.report(report)
        }
    }
}
