import ArgumentParser
import FeatureStoreKit
import Foundation

extension FS {
    struct GetOnlineFeatures: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "get-online-features",
            abstract: "Look up online feature values, for debugging (the server answers the same in JSON).")

        @OptionGroup var repoOptions: RepoOptions

        @Option(help: ArgumentHelp("Features as view:feature (comma-separated; view:* for all).", valueName: "refs"))
        var features: String?

        @Option(help: "A feature service instead of --features.")
        var featureService: String?

        @Option(
            name: .customLong("entity"),
            help: ArgumentHelp(
                "A join key and its value, once per key and entity (driver_id=1001).", valueName: "key=value"))
        var entities: [String] = []

        @Flag(help: "Name features view__feature.")
        var fullFeatureNames = false

        @Flag(help: "Print Feast's JSON response shape.")
        var json = false

        func validate() throws {
            if (features == nil) == (featureService == nil) {
                throw ValidationError("pass exactly one of --features or --feature-service")
            }
            if entities.isEmpty { throw ValidationError("pass at least one --entity KEY=VALUE") }
            for entity in entities where !entity.contains("=") {
                throw ValidationError("--entity '\(entity)' is not KEY=VALUE, e.g. --entity driver_id=1001")
            }
            for reference in commaSeparated(features) ?? [] where FeatureReference(parsing: reference) == nil {
                throw ValidationError("'\(reference)' is not a feature reference; write view:feature or view:*")
            }
        }

        /// `--entity k=v` options grouped into columns: the n-th value of a key is entity row n.
        var entityRows: EntityRows {
            var columns: [(name: String, values: [FeatureValue])] = []
            for entity in entities {
                let parts = entity.split(separator: "=", maxSplits: 1)
                let name = String(parts[0])
                let text = parts.count > 1 ? String(parts[1]) : ""
                let value: FeatureValue = Int64(text).map(FeatureValue.int64) ?? .string(text)
                if let index = columns.firstIndex(where: { $0.name == name }) {
                    columns[index].values.append(value)
                } else {
                    columns.append((name, [value]))
                }
            }
            return EntityRows(columns: columns)
        }

        func run() throws {
            let response = try reportingErrors {
                try repoOptions.open().getOnlineFeatures(
                    references: commaSeparated(features)?.compactMap(FeatureReference.init(parsing:)),
                    service: featureService,
                    entities: entityRows, fullFeatureNames: fullFeatureNames)
            }
            if json {
                print(String(decoding: FeastJSON.encode(response), as: UTF8.self))
                return
            }
            let rows = (0..<(response.columns.first?.count ?? 0)).map { row in
                response.columns.map { column in
                    let value = column[row]
                    return value.status == .present ? value.value.text : value.status.rawValue
                }
            }
            printTable(header: response.featureNames, rows: rows)
        }
    }
}
