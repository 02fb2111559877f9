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

    static func parse(
        text: String, file: String, root: String, collector: DiagnosticCollector
    ) -> RepoConfig? {
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
        var postgresRegistry: PostgresSettings?
        var registry = RepoConfig.defaultRegistryPath
        if let store = reader.value("registry"), store.mapping?["type"]?.string == "postgres" {
            postgresRegistry = postgresStore(reader, key: "registry", store)
        } else {
            registry = storePath(reader, key: "registry", type: "sqlite", default: RepoConfig.defaultRegistryPath)
        }
        var postgresOffline: PostgresSettings?
        var offline = RepoConfig.defaultOfflineStorePath
        if let store = reader.value("offline_store"), store.mapping?["type"]?.string == "postgres" {
            postgresOffline = postgresStore(reader, key: "offline_store", store)
        } else {
            offline = storePath(
                reader, key: "offline_store", type: "sqlite", default: RepoConfig.defaultOfflineStorePath)
        }
        var rowCacheMB = RepoConfig.defaultOnlineRowCacheMB
        var redis: RedisOnlineStoreSettings?
        let online: String
        if let store = reader.value("online_store"), store.mapping?["type"]?.string == "redis" {
            redis = redisStore(reader, store)
            online = RepoConfig.defaultOnlineStorePath
        } else {
            online = storePath(reader, key: "online_store", type: "rocksdb", default: RepoConfig.defaultOnlineStorePath)
            {
                store in
                if let size = rowCacheSize(store) { rowCacheMB = size }
            }
        }
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
            onlineStorePath: absolute(online), onlineRowCacheMB: rowCacheMB, futureSkew: futureSkew, auth: auth,
            corsOrigins: origins,
            allowedHosts: hosts, redisOnlineStore: redis, postgresRegistry: postgresRegistry,
            postgresOfflineStore: postgresOffline)
    }

    /// A store setting: a bare path, or a mapping with `type`, `path` and the fields `extra` reads.
    private static func storePath(
        _ reader: MappingReader, key: String, type: String?, default: String,
        extra: (MappingReader) -> Void = { _ in }
    ) -> String {
        guard let node = reader.value(key) else { return `default` }
        if let text = node.scalar?.string { return text }
        guard
            let store = MappingReader(
                node, file: reader.file, what: "'\(key)' in \(reader.file)", collector: reader.collector)
        else { return `default` }
        if let type, let (given, position) = store.string("type"), given != type {
            let shared = key == "online_store" ? "" : " or `type: postgres` (shared, with a dsn)"
            reader.error(
                position,
                "\(key) type '\(given)' is not supported; use the embedded `type: \(type)`\(shared)")
        }
        let path = store.string("path")?.value ?? `default`
        extra(store)
        store.finish()
        return path
    }

    /// `registry` or `offline_store` as `{type: postgres, dsn, schema, password_env}`. The password
    /// itself is never in the YAML: `password_env` names the variable it is read from on connecting.
    private static func postgresStore(
        _ reader: MappingReader, key: String, _ node: Node
    ) -> PostgresSettings? {
        let what = "'\(key)' in \(reader.file)"
        guard let store = MappingReader(node, file: reader.file, what: what, collector: reader.collector) else {
            return nil
        }
        defer { store.finish() }
        _ = store.string("type")
        var valid = true
        if store.has("password") {
            store.error(
                store.position(of: "password"),
                "\(what) writes its password in the YAML; put it in an environment variable and name that with `password_env: VARIABLE`"
            )
            _ = store.value("password")
            valid = false
        }
        let passwordEnv = store.string("password_env")
        if let passwordEnv, !isEnvironmentName(passwordEnv.value) {
            store.error(
                passwordEnv.position,
                "password_env of \(what) must be the name of an environment variable (letters, digits and '_', not starting with a digit), such as FS_PG_PASSWORD"
            )
            valid = false
        }
        var schema = PostgresSettings.defaultSchema
        if let given = store.string("schema") {
            if PostgresSettings.isSchemaName(given.value) {
                schema = given.value
            } else {
                store.error(
                    given.position,
                    "schema '\(given.value)' of \(what) must be a lower-case name of letters, digits and '_' (at most 63 bytes, not starting with a digit), such as fs"
                )
                valid = false
            }
        }
        guard let dsn = store.string("dsn", required: true) else { return nil }
        switch PostgresSettings.parse(dsn: dsn.value, schema: schema, passwordEnv: passwordEnv?.value) {
        case .success(let settings):
            return valid ? settings : nil
        case .failure(let error):
            store.error(dsn.position, "dsn of \(what): \(error)")
            return nil
        }
    }

    /// A POSIX environment variable name: `[A-Za-z_][A-Za-z0-9_]*`.
    private static func isEnvironmentName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first else { return false }
        func letter(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_" }
        return letter(first) && name.unicodeScalars.allSatisfy { letter($0) || ("0"..."9").contains($0) }
    }

    /// `online_store: {type: redis, redis_type, connection_string, key_ttl_seconds}`, Feast's fields:
    /// `redis_type` is `redis` (one `host:port`) or `redis_cluster` (seed nodes, comma separated).
    private static func redisStore(_ reader: MappingReader, _ node: Node) -> RedisOnlineStoreSettings? {
        let what = "'online_store' in \(reader.file)"
        guard let store = MappingReader(node, file: reader.file, what: what, collector: reader.collector) else {
            return nil
        }
        defer { store.finish() }
        _ = store.string("type")
        var kind = RedisOnlineStoreSettings.Kind.redis
        if let (text, position) = store.string("redis_type") {
            if let given = RedisOnlineStoreSettings.Kind(rawValue: text) {
                kind = given
            } else {
                let names = RedisOnlineStoreSettings.Kind.allCases.map(\.rawValue)
                store.error(
                    position,
                    "redis_type '\(text)' of \(what) is not supported; use redis (one server) or redis_cluster.\(Suggestion.didYouMean(text, in: names))"
                )
                return nil
            }
        }
        guard let (connection, position) = store.string("connection_string", required: true) else { return nil }
        var nodes: [RedisOnlineStoreSettings.Node] = []
        for part in connection.split(separator: ",", omittingEmptySubsequences: false) {
            let item = part.trimmingCharacters(in: .whitespaces)
            if item.contains("=") {
                store.error(
                    position,
                    "connection option '\(item)' in connection_string of \(what) is not supported by fs (no password or TLS yet); list only host:port nodes"
                )
                return nil
            }
            guard let colon = item.lastIndex(of: ":"), let port = Int(item[item.index(after: colon)...]),
                (1...65535).contains(port), colon != item.startIndex
            else {
                store.error(
                    position,
                    "'\(item)' in connection_string of \(what) is not host:port; write nodes as 127.0.0.1:6379,127.0.0.1:6380"
                )
                return nil
            }
            nodes.append(RedisOnlineStoreSettings.Node(host: String(item[..<colon]), port: port))
        }
        if kind == .redis, nodes.count > 1 {
            store.error(
                position,
                "connection_string of \(what) lists \(nodes.count) nodes but redis_type is redis (one server); give one host:port, or set redis_type: redis_cluster"
            )
            return nil
        }
        var ttl: Int64 = 0
        if let ttlNode = store.value("key_ttl_seconds"), ttlNode.scalar?.string != "null" {
            let text = ttlNode.string ?? ""
            guard let seconds = Int64(text), seconds >= 0, seconds <= Int64(Int32.max) else {
                store.error(
                    Position(file: reader.file, mark: ttlNode.mark),
                    "key_ttl_seconds of \(what) must be a whole number of seconds from 0 (keys never expire) to \(Int32.max), not '\(text)'"
                )
                return nil
            }
            ttl = seconds
        }
        return RedisOnlineStoreSettings(kind: kind, nodes: nodes, keyTTLSeconds: ttl)
    }

    /// `row_cache_mb` of the online store: a whole number of MiB, 0 to 65536 (0 turns the cache off).
    private static func rowCacheSize(_ store: MappingReader) -> Int? {
        guard let (text, position) = store.string("row_cache_mb") else { return nil }
        guard let size = Int(text), (0...65536).contains(size) else {
            store.error(
                position,
                "'row_cache_mb' of \(store.what) must be a whole number of MiB from 0 (no row cache) to 65536, not '\(text)'"
            )
            return nil
        }
        return size
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
