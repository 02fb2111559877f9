import FeatureStoreCore
import Foundation

/// What `fs teardown` deleted and what it left.
public struct TeardownReport: Sendable, Equatable {
    /// Files and folders removed, absolute paths.
    public var removed: [String] = []
    /// Things fs did not create that it found in a store's place and left alone, with why.
    public var kept: [String] = []
}

extension FeatureStore {
    /// Deletes the registry and both stores: only files fs creates (SQLite databases and their
    /// journals, RocksDB's files, the lock and endpoint files), and only inside the repo unless
    /// `outsideRepo` is set. Stores in PostgreSQL or Redis are shared with other machines: they are
    /// left alone, and the report says so.
    ///
    /// - Throws: `invalidArgument` when a configured path lies outside the repo (and `outsideRepo`
    ///   is not set) or names something fs did not create, before anything is deleted; `io`.
    @discardableResult
    public func teardown(outsideRepo: Bool = false) throws -> TeardownReport {
        let root = Self.resolvedPath(repoPath)
        let targets = [
            ("registry", config.registryPath), ("offline_store", config.offlineStorePath),
            ("online_store", config.onlineStorePath),
        ]
        // Check everything first: a refused teardown deletes nothing.
        for (setting, path) in targets {
            let resolved = Self.resolvedPath(path)
            if !outsideRepo, resolved != root, !resolved.hasPrefix(root + "/") {
                throw FeatureStoreError.invalidArgument(
                    "`\(setting)` in feature_store.yaml points outside the repo (\(resolved), repo \(root)); fs teardown deletes only inside the repo. Pass --force-outside-repo to delete it anyway."
                )
            }
            if resolved == root {
                throw FeatureStoreError.invalidArgument(
                    "`\(setting)` in feature_store.yaml is the repo folder itself; fs teardown will not delete it")
            }
        }
        for path in [config.registryPath, config.offlineStorePath] where !Self.isAbsentOrSQLite(path) {
            throw FeatureStoreError.invalidArgument(
                "\(path) is not a SQLite database, so fs did not create it; fix the path in feature_store.yaml (nothing was deleted)"
            )
        }
        var report = TeardownReport()
        if let postgres = config.postgresRegistry {
            report.kept.append(
                "the registry in PostgreSQL (\(postgres.location)): shared with other machines, so fs teardown leaves it; drop schema \(postgres.schema) by hand to delete it"
            )
        }
        if let postgres = config.postgresOfflineStore {
            report.kept.append(
                "the offline store in PostgreSQL (\(postgres.location)): shared with other machines, so fs teardown leaves it; drop schema \(postgres.schema) by hand to delete it"
            )
        }
        if let redis = config.redisOnlineStore {
            report.kept.append(
                "the online store in Redis (\(redis.nodes.map(\.description).joined(separator: ", "))): shared with other machines, so fs teardown leaves it; delete the keys of project \(config.project) by hand (they expire on their own only with key_ttl_seconds)"
            )
        }
        let manager = FileManager.default
        func remove(_ path: String) throws {
            guard manager.fileExists(atPath: path) else { return }
            do {
                try manager.removeItem(atPath: path)
                report.removed.append(path)
            } catch {
                throw FeatureStoreError.io("cannot remove \(path): \(error.localizedDescription)")
            }
        }
        for path in [config.registryPath, config.offlineStorePath] {
            for suffix in ["", "-wal", "-shm", "-journal"] { try remove(path + suffix) }
        }
        try remove(config.onlineStorePath + ".materialize.lock")
        try remove(ServerEndpoint.path(for: config))
        let online = config.onlineStorePath
        var isFolder: ObjCBool = false
        if manager.fileExists(atPath: online, isDirectory: &isFolder) {
            guard isFolder.boolValue else {
                report.kept.append("\(online): a file, not a RocksDB folder, so fs did not create it")
                return report
            }
            let entries = (try? manager.contentsOfDirectory(atPath: online)) ?? []
            for entry in entries.sorted() {
                if Self.isRocksDBFile(entry) {
                    try remove((online as NSString).appendingPathComponent(entry))
                } else {
                    report.kept.append(
                        "\((online as NSString).appendingPathComponent(entry)): not a RocksDB file, so fs did not create it"
                    )
                }
            }
            if (try? manager.contentsOfDirectory(atPath: online))?.isEmpty == true { try remove(online) }
        }
        return report
    }

    /// The absolute path with symbolic links resolved (as far as the path exists).
    static func resolvedPath(_ path: String) -> String {
        let absolute =
            path.hasPrefix("/")
            ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
        return ((absolute as NSString).standardizingPath as NSString).resolvingSymlinksInPath
    }

    /// Whether `path` is missing or starts with SQLite's file header.
    static func isAbsentOrSQLite(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            return !FileManager.default.fileExists(atPath: path)
        }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        return header.isEmpty || header == Data("SQLite format 3\0".utf8)
    }

    /// Whether a file name is one RocksDB writes in its folder.
    static func isRocksDBFile(_ name: String) -> Bool {
        if ["CURRENT", "IDENTITY", "LOCK", "LOG"].contains(name) { return true }
        for prefix in ["LOG.old.", "MANIFEST-", "OPTIONS-"] where name.hasPrefix(prefix) { return true }
        for suffix in [".sst", ".log", ".blob", ".dbtmp"] where name.hasSuffix(suffix) {
            return name.dropLast(suffix.count).allSatisfy(\.isNumber)
        }
        return false
    }
}
