import ArgumentParser

/// `fs`: the feature store's command line. Each subcommand parses its arguments and calls
/// FeatureStoreKit; nothing here holds logic of its own.
@main
struct FS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fs",
        abstract: "A point-in-time correct feature store: SQLite offline history, RocksDB online store.",
        version: "0.1.0",
        subcommands: [
            Init.self, Validate.self, Plan.self, Apply.self, Teardown.self, List.self, Describe.self, Ingest.self,
            GetTrainingSet.self,
            Materialize.self, MaterializeIncremental.self, GetOnlineFeatures.self, VerifyConsistency.self, Stats.self,
            Drift.self, Consistency.self, Log.self, Serve.self,
        ]
    )
}
