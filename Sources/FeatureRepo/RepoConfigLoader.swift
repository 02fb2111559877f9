import FeatureStoreCore
import Foundation
import Yams

/// Reads `feature_store.yaml`.
enum RepoConfigLoader {
    static let fileName = "feature_store.yaml"

    static func load(root: String, displayRoot: String) throws -> RepoConfig {
        let display = displayRoot.isEmpty || displayRoot == "." ? fileName : "\(displayRoot)/\(fileName)"
        let path = (root as NSString).appendingPathComponent(fileName)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw FeatureStoreError(
                .invalidArgument,
                "\(display) not found: '\(displayRoot)' is not a feature repo. Pass --repo DIR, or create one with `fs init DIR`."
            )
        }
        let collector = DiagnosticCollector()
        let config = parse(text: text, file: display, root: root, collector: collector)
        guard let config, collector.isEmpty else {
            throw FeatureStoreError(.invalidDefinitions, "\(display) is not valid:", diagnostics: collector.diagnostics)
        }
        return config
    }

    static func parse(text: String, file: String, root: String, collector: DiagnosticCollector) -> RepoConfig? {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            collector.error(
                RepoParser.position(of: error, file: file), "invalid YAML: \(RepoParser.problem(of: error))")
            return nil
        } catch {
            collector.error(file: file, "invalid YAML: \(error)")
            return nil
        }
        guard let node, let reader = MappingReader(node, file: file, what: file, collector: collector) else {
            collector.error(file: file, "\(file) is empty; it needs at least `project: NAME`")
            return nil
        }
        let project = reader.string("project", required: true)
        if let project, !RepoParser.isIdentifier(project.value) {
            reader.error(project.position, "project name '\(project.value)' must hold only letters, digits and '_'")
        }
        let registry = storePath(reader, key: "registry", type: nil, default: RepoConfig.defaultRegistryPath)
        let offline = storePath(
            reader, key: "offline_store", type: "sqlite", default: RepoConfig.defaultOfflineStorePath)
        let online = storePath(reader, key: "online_store", type: "rocksdb", default: RepoConfig.defaultOnlineStorePath)
        var futureSkew = EventTimeLimit.defaultSkew
        if let skew = reader.duration("future_skew") {
            if skew > DurationLimits.futureSkew {
                reader.error(
                    reader.position(of: "future_skew"),
                    "future_skew '\(skew)' is longer than the supported \(DurationLimits.describe(DurationLimits.futureSkew)); event times that far ahead are mistakes, not data"
                )
            } else {
                futureSkew = skew
            }
        }
        reader.finish()
        func absolute(_ path: String) -> String {
            let resolved = path.hasPrefix("/") ? path : (root as NSString).appendingPathComponent(path)
            return (resolved as NSString).standardizingPath
        }
        return RepoConfig(
            project: project?.value ?? "", registryPath: absolute(registry), offlineStorePath: absolute(offline),
            onlineStorePath: absolute(online), futureSkew: futureSkew)
    }

    /// A store setting: a bare path, or a mapping with `type` and `path`.
    private static func storePath(_ reader: MappingReader, key: String, type: String?, default: String) -> String {
        guard let node = reader.value(key) else { return `default` }
        if let text = node.scalar?.string { return text }
        guard
            let store = MappingReader(
                node, file: reader.file, what: "'\(key)' in \(reader.file)", collector: reader.collector)
        else { return `default` }
        if let type, let (given, position) = store.string("type"), given != type {
            reader.error(position, "\(key) type '\(given)' is not supported; the embedded \(key) is `type: \(type)`")
        }
        let path = store.string("path")?.value ?? `default`
        store.finish()
        return path
    }
}
