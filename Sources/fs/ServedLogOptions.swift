import ArgumentParser

/// `--service S [--from T1] [--to T2]`: the rows of a feature service's served-vector log that
/// `fs log show`, `fs log spine` and `fs consistency` read.
struct ServedLogOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The feature service.", valueName: "name"))
    var service: String

    @Option(help: ArgumentHelp("Only rows logged at or after this time (RFC 3339 or now).", valueName: "time"))
    var from: TimestampArgument?

    @Option(help: ArgumentHelp("Only rows logged before this time (RFC 3339 or now).", valueName: "time"))
    var to: TimestampArgument?
}
