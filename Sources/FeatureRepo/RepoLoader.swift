import FeatureStoreCore
import Foundation

/// A feature repo read from disk: its settings and its validated definitions.
public struct FeatureRepository: Sendable {
    /// The repo directory, absolute.
    public var root: String
    public var config: RepoConfig
    public var definitions: RepoDefinitions
    /// The definition files read, relative to the repo.
    public var files: [String]
}

/// Loads a feature repo: `feature_store.yaml` and every other `*.yaml`/`*.yml` below the root.
public enum RepoLoader {
    /// Reads and validates the repo at `path`.
    ///
    /// - Throws: ``FeatureStoreError`` with code `invalidDefinitions` and every problem found, each
    ///   with its `file:line:column`.
    public static func load(at path: String) throws -> FeatureRepository {
        let root = absolutePath(path)
        let config = try loadConfig(at: path)
        let files = definitionFiles(root: root)
        var inputs: [(name: String, text: String)] = []
        for file in files {
            let full = (root as NSString).appendingPathComponent(file)
            guard let text = try? String(contentsOfFile: full, encoding: .utf8) else {
                throw FeatureStoreError.io("cannot read \(display(path, file)) as UTF-8 text")
            }
            inputs.append((display(path, file), text))
        }
        let definitions = try parse(files: inputs, offlineStoreIsPostgres: config.postgresOfflineStore != nil)
        return FeatureRepository(root: root, config: config, definitions: definitions, files: files)
    }

    /// Reads only `feature_store.yaml`.
    public static func loadConfig(at path: String) throws -> RepoConfig {
        try RepoConfigLoader.load(root: absolutePath(path), displayRoot: path)
    }

    /// Parses and validates definition files given as text.
    ///
    /// - Parameter offlineStoreIsPostgres: whether `feature_store.yaml` names a PostgreSQL
    ///   offline store, which `postgres` sources need; `nil` skips that check.
    public static func parse(files: [(name: String, text: String)], offlineStoreIsPostgres: Bool? = nil) throws
        -> RepoDefinitions
    {
        let collector = DiagnosticCollector()
        var parser = RepoParser(collector: collector)
        for file in files { parser.parse(file: file.name, text: file.text) }
        let definitions = RepoValidator(
            parser: parser, collector: collector, offlineStoreIsPostgres: offlineStoreIsPostgres
        ).validate()
        guard collector.isEmpty else {
            let diagnostics = collector.diagnostics.sorted {
                ($0.file, $0.line, $0.column) < ($1.file, $1.line, $1.column)
            }
            let count = diagnostics.count
            throw FeatureStoreError(
                .invalidDefinitions, "the feature repo has \(count) problem\(count == 1 ? "" : "s"):",
                diagnostics: diagnostics)
        }
        return definitions
    }

    /// Definition files below `root`, sorted, skipping hidden folders and `feature_store.yaml`.
    static func definitionFiles(root: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        var files: [String] = []
        while let item = enumerator.nextObject() as? String {
            let name = (item as NSString).lastPathComponent
            if name.hasPrefix(".") {
                enumerator.skipDescendants()
                continue
            }
            guard name.hasSuffix(".yaml") || name.hasSuffix(".yml"), item != RepoConfigLoader.fileName else { continue }
            files.append(item)
        }
        return files.sorted()
    }

    static func absolutePath(_ path: String) -> String {
        let full =
            path.hasPrefix("/")
            ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
        return (full as NSString).standardizingPath
    }

    static func display(_ root: String, _ file: String) -> String {
        root.isEmpty || root == "." ? file : (root as NSString).appendingPathComponent(file)
    }
}
