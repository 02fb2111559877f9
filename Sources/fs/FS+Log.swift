import ArgumentParser
import FeatureStoreKit
import Foundation

extension FS {
    struct Log: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read the served-vector logs that fs serve writes for feature services with `logging:`.",
            subcommands: [Show.self, Spine.self, Prune.self])

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Print a feature service's logged lookups as JSON lines, with their latest outcomes.",
                discussion: """
                    One line per logged entity row, in the order written: the join keys, per feature \
                    {view}__{feature} with __timestamp and __status, __log_timestamp, __request_id, \
                    __service_version, and __outcomes (the latest value of each outcome posted to \
                    POST /log/outcomes for the request, by event time). fs serve writes the log a second \
                    at most after a lookup, and everything queued when it stops.
                    """)

            @OptionGroup var repoOptions: RepoOptions

            @OptionGroup var log: ServedLogOptions

            func run() throws {
                let report = try reportingErrors {
                    try repoOptions.open().servedLog(
                        service: log.service, from: log.from?.timestamp, to: log.to?.timestamp)
                }
                var out: [UInt8] = []
                for row in report.rows {
                    out.removeAll(keepingCapacity: true)
                    Self.append(row, layout: report.layout, outcomes: report.outcomes[row.requestID] ?? [:], to: &out)
                    out.append(UInt8(ascii: "\n"))
                    FileHandle.standardOutput.write(Data(out))
                }
            }

            static func append(
                _ row: ServedLogRow, layout: ServedLogLayout, outcomes: [String: FeatureValue], to out: inout [UInt8]
            ) {
                var first = true
                func member(_ name: String, _ value: FeatureValue) {
                    out.append(UInt8(ascii: first ? "{" : ","))
                    first = false
                    JSONString.append(name, to: &out)
                    out.append(UInt8(ascii: ":"))
                    FeastJSON.appendValue(value, to: &out)
                }
                for (key, value) in zip(layout.keys, row.keys) { member(key.name, value) }
                for (feature, value) in zip(layout.features, row.values) {
                    member(feature.column, value.value)
                    member(feature.timestampColumn, value.eventTime.map(FeatureValue.timestamp) ?? .null)
                    member(feature.statusColumn, .string(value.status.rawValue))
                }
                member(ServedLogLayout.logTimestampColumn, .timestamp(row.logTimestamp))
                member(ServedLogLayout.requestIDColumn, .string(row.requestID))
                member(ServedLogLayout.serviceVersionColumn, .int64(row.serviceVersion))
                out += Array(#","__outcomes":"#.utf8)
                var firstOutcome = true
                for (name, value) in outcomes.sorted(by: { $0.key < $1.key }) {
                    out.append(UInt8(ascii: firstOutcome ? "{" : ","))
                    firstOutcome = false
                    JSONString.append(name, to: &out)
                    out.append(UInt8(ascii: ":"))
                    FeastJSON.appendValue(value, to: &out)
                }
                out += Array((firstOutcome ? "{}}" : "}}").utf8)
            }
        }

        struct Spine: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Print a feature service's logged lookups as a training-set spine (JSON lines).",
                discussion: """
                    One line per logged entity row, in the order written: the join keys, event_timestamp \
                    (the row's __log_timestamp) and __request_id. Save it as a .jsonl file and pass it to \
                    fs get-training-set --spine with a view over a served_log source of the service (the \
                    served values and the outcomes of each request) and any other features as of the \
                    moment of the lookup.
                    """)

            @OptionGroup var repoOptions: RepoOptions

            @OptionGroup var log: ServedLogOptions

            func run() throws {
                let report = try reportingErrors {
                    try repoOptions.open().servedLog(
                        service: log.service, from: log.from?.timestamp, to: log.to?.timestamp)
                }
                var out: [UInt8] = []
                for row in report.rows {
                    out.removeAll(keepingCapacity: true)
                    var first = true
                    func member(_ name: String, _ value: FeatureValue) {
                        out.append(UInt8(ascii: first ? "{" : ","))
                        first = false
                        JSONString.append(name, to: &out)
                        out.append(UInt8(ascii: ":"))
                        FeastJSON.appendValue(value, to: &out)
                    }
                    for (key, value) in zip(report.layout.keys, row.keys) { member(key.name, value) }
                    member(spineTimestampColumn, .timestamp(row.logTimestamp))
                    member(ServedLogLayout.requestIDColumn, .string(row.requestID))
                    out += Array("}\n".utf8)
                    FileHandle.standardOutput.write(Data(out))
                }
            }
        }

        struct Prune: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Delete served-vector log rows older than a duration, by whole days.",
                discussion: """
                    Deletes the rows logged before the UTC midnight on or before now minus --older-than \
                    (so a day is kept whole until all of it is older), of one service or of every \
                    service; pruning every service also deletes outcomes whose event time is before \
                    that midnight. One transaction. A service's `logging: { retention: 90d }` makes \
                    fs serve do this for it once an hour.
                    """)

            @OptionGroup var repoOptions: RepoOptions

            @Option(
                name: .customLong("older-than"),
                help: ArgumentHelp("Delete rows older than this (e.g. 90d).", valueName: "duration"))
            var olderThan: PositiveDuration

            @Option(
                help: ArgumentHelp(
                    "Only this feature service's log (default: every service's, and outcomes).", valueName: "name"))
            var service: String?

            func run() throws {
                let report = try reportingErrors {
                    try repoOptions.open().pruneServedLogs(olderThan: olderThan.span, service: service)
                }
                if report.rows.isEmpty {
                    print("No served logs\(service.map { " of '\($0)'" } ?? "") to prune.")
                }
                for (name, rows) in report.rows.sorted(by: { $0.key < $1.key }) {
                    print("Deleted \(rows) rows logged before \(report.before.rfc3339) from the log of '\(name)'.")
                }
                for (name, buckets) in report.profileBuckets.sorted(by: { $0.key < $1.key }) {
                    print("Deleted \(buckets) served-profile buckets of '\(name)' before \(report.before.rfc3339).")
                }
                if service == nil {
                    print("Deleted \(report.outcomes) outcome values before \(report.before.rfc3339).")
                }
            }
        }
    }
}

/// Any positive duration (`90d`, `2w`), without the profile window's upper limit.
struct PositiveDuration: ExpressibleByArgument {
    var span: TimeSpan

    init?(argument: String) {
        guard let span = TimeSpan(parsing: argument), span > .zero else { return nil }
        self.span = span
    }
}
