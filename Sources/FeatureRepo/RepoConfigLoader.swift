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
        let auth = self.auth(reader, root: root)
        let origins = corsOrigins(reader)
        let hosts = allowedHosts(reader)
        reader.finish()
        func absolute(_ path: String) -> String {
            let resolved = path.hasPrefix("/") ? path : (root as NSString).appendingPathComponent(path)
            return (resolved as NSString).standardizingPath
        }
        return RepoConfig(
            project: project?.value ?? "", registryPath: absolute(registry), offlineStorePath: absolute(offline),
            onlineStorePath: absolute(online), futureSkew: futureSkew, auth: auth, corsOrigins: origins,
            allowedHosts: hosts)
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

    /// `auth:`: off when absent (or `type: none`/`no_auth`, as Feast writes it); otherwise
    /// `type: token` with named tokens, each read from `token_env` or `token_file`, with roles.
    private static func auth(_ reader: MappingReader, root: String) -> RepoConfig.Auth? {
        guard let node = reader.value("auth") else { return nil }
        let what = "'auth' in \(reader.file)"
        guard let auth = MappingReader(node, file: reader.file, what: what, collector: reader.collector) else {
            return nil
        }
        defer { auth.finish() }
        let type = auth.string("type")
        switch type?.value {
        case "none", "no_auth":
            _ = auth.value("tokens")
            return nil
        case "token", nil:
            break
        case let other?:
            auth.error(
                type!.position,
                "auth type '\(other)' is not supported by fs serve; use `type: token` with `tokens:` (or `type: none`)")
            return nil
        }
        let items = auth.sequence("tokens", required: true)
        if items.isEmpty, auth.has("tokens") {
            auth.error(auth.position(of: "tokens"), "'tokens' of \(what) is empty; list at least one token")
        }
        var tokens: [RepoConfig.Token] = []
        for (index, item) in items.enumerated() {
            let itemWhat = "token #\(index + 1) of \(what)"
            guard let token = MappingReader(item, file: reader.file, what: itemWhat, collector: reader.collector)
            else { continue }
            defer { token.finish() }
            guard let name = token.string("name", required: true) else { continue }
            if !RepoParser.isIdentifier(name.value) {
                token.error(name.position, "token name '\(name.value)' must hold only letters, digits and '_'")
            }
            if tokens.contains(where: { $0.name == name.value }) {
                token.error(
                    name.position, "token name '\(name.value)' appears twice in \(what); give each token its own name")
            }
            let env = token.string("token_env")
            let file = token.string("token_file")
            switch (env, file) {
            case (nil, nil):
                token.error(
                    token.position,
                    "token '\(name.value)' needs `token_env: VARIABLE` or `token_file: PATH` (the secret never goes in the YAML)"
                )
            case (.some, .some):
                token.error(file!.position, "token '\(name.value)' gives both token_env and token_file; keep one")
            default:
                break
            }
            if token.has("token") {
                token.error(
                    token.position(of: "token"),
                    "token '\(name.value)' writes its secret in the YAML; put it in an environment variable (`token_env`) or a file (`token_file`)"
                )
                _ = token.value("token")
            }
            var roles: [RepoConfig.Role] = []
            let roleNodes = token.sequence("roles", required: true)
            if roleNodes.isEmpty, token.has("roles") {
                token.error(
                    token.position(of: "roles"), "token '\(name.value)' has no roles; give some of read, write, admin")
            }
            for node in roleNodes {
                let text = node.string ?? ""
                guard let role = RepoConfig.Role(rawValue: text) else {
                    let names = RepoConfig.Role.allCases.map(\.rawValue)
                    token.error(
                        Position(file: reader.file, mark: node.mark),
                        "unknown role '\(text)' for token '\(name.value)'; use read, write or admin.\(Suggestion.didYouMean(text, in: names))"
                    )
                    continue
                }
                if !roles.contains(role) { roles.append(role) }
            }
            let path = file.map {
                $0.value.hasPrefix("/") ? $0.value : (root as NSString).appendingPathComponent($0.value)
            }
            tokens.append(
                RepoConfig.Token(
                    name: name.value, tokenEnv: env?.value, tokenFile: path.map { ($0 as NSString).standardizingPath },
                    roles: roles))
        }
        return RepoConfig.Auth(tokens: tokens)
    }

    /// `cors_origins:`: `scheme://host[:port]` origins, compared case-insensitively.
    private static func corsOrigins(_ reader: MappingReader) -> [String] {
        var origins: [String] = []
        for node in reader.sequence("cors_origins") {
            let text = (node.string ?? "").lowercased()
            let position = Position(file: reader.file, mark: node.mark)
            guard text.hasPrefix("http://") || text.hasPrefix("https://") else {
                reader.error(
                    position,
                    "cors origin '\(node.string ?? "")' is not an origin; write scheme and host, such as https://dashboard.example.com (no wildcard)"
                )
                continue
            }
            let rest = text.drop { $0 != ":" }.dropFirst(3)
            if rest.isEmpty || rest.contains("/") || rest.contains("*") {
                reader.error(
                    position,
                    "cors origin '\(node.string ?? "")' must be scheme://host[:port] with no path and no wildcard")
                continue
            }
            origins.append(text)
        }
        return origins
    }

    /// `allowed_hosts:`: host names (no scheme, no port) the server answers to.
    private static func allowedHosts(_ reader: MappingReader) -> [String] {
        var hosts: [String] = []
        for node in reader.sequence("allowed_hosts") {
            let text = (node.string ?? "").lowercased()
            let valid =
                !text.isEmpty
                && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }
            guard valid else {
                reader.error(
                    Position(file: reader.file, mark: node.mark),
                    "allowed host '\(node.string ?? "")' is not a host name; write it without scheme or port, such as features.internal"
                )
                continue
            }
            hosts.append(text)
        }
        return hosts
    }
}
