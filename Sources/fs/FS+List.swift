import ArgumentParser
import FeatureStoreKit
import Foundation

extension ObjectKind: ExpressibleByArgument {
    /// Accepts the plural command-line words: `entities`, `sources`, `feature-views`, `feature-services`.
    public init?(argument: String) {
        switch argument {
        case "entities", "entity": self = .entity
        case "sources", "source": self = .source
        case "feature-views", "feature_views", "feature-view": self = .featureView
        case "feature-services", "feature_services", "feature-service": self = .featureService
        default: return nil
        }
    }

    public static var allValueStrings: [String] { ["entities", "sources", "feature-views", "feature-services"] }
}

extension FS {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List registered objects of one kind: entities, sources, feature-views or feature-services.")

        @Argument(help: "entities | sources | feature-views | feature-services")
        var kind: ObjectKind

        @OptionGroup var repoOptions: RepoOptions

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            let objects = try reportingErrors { try repoOptions.open().snapshot().objects(of: kind) }
            if json { return try printJSON(objects) }
            if objects.isEmpty {
                print("No \(kind.section.replacingOccurrences(of: "_", with: " ")) registered. Run `fs apply` first.")
                return
            }
            let rows = objects.map { [$0.name, summary($0.spec), "v\($0.record?.version ?? 0)"] }
            printTable(header: ["NAME", "DETAILS", "VERSION"], rows: rows)
        }

        func summary(_ spec: RegisteredObject.Spec) -> String {
            switch spec {
            case .entity(let e):
                "join keys: " + e.joinKeys.map { "\($0.name) (\($0.valueType.rawValue))" }.joined(separator: ", ")
            case .source(let s):
                "\(s.kind.rawValue) \(s.path ?? s.table ?? (s.query == nil ? "" : "query")), \(s.schema.count) columns"
            case .featureView(let v):
                "\(v.isAggregate ? "aggregates" : "snapshot") of \(v.source) by \(v.entities.joined(separator: ", ")), \(v.outputFeatures.count) features, ttl \(v.ttl)"
            case .featureService(let s): "\(s.features.count) feature references"
            }
        }
    }
}

/// Prints rows in aligned columns.
func printTable(header: [String], rows: [[String]]) {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    for row in all {
        let cells = row.enumerated().map { index, cell in
            index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }
        print(cells.joined(separator: "  "))
    }
}
