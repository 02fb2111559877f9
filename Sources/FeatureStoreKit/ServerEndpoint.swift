import FeatureStoreCore
import Foundation

/// Where a running `fs serve` can be reached, recorded next to the online store it holds.
///
/// RocksDB lets one process open the online store. While `fs serve` runs it holds the store and
/// writes `<online store path>.server` (its base URL and pid); a command that finds the store
/// `locked` reads this file and sends its work (a materialization) to the server instead. The
/// server removes the file when it stops; a file left by a killed server is harmless, because the
/// store is then not locked and the command opens it itself.
public enum ServerEndpoint {
    /// The endpoint file of the online store of `config`.
    public static func path(for config: RepoConfig) -> String { config.onlineStorePath + ".server" }

    /// Records that a server at `url` (e.g. `http://127.0.0.1:6566`) holds the online store.
    public static func write(url: String, for config: RepoConfig) throws {
        let text = "\(url)\npid \(getpid())\n"
        do {
            try text.write(toFile: path(for: config), atomically: true, encoding: .utf8)
        } catch {
            throw FeatureStoreError.io(
                "cannot write the server endpoint file \(path(for: config)): \(error.localizedDescription)")
        }
    }

    /// The base URL of the server holding the online store, if one recorded itself.
    public static func read(for config: RepoConfig) -> String? {
        guard let text = try? String(contentsOfFile: path(for: config), encoding: .utf8) else { return nil }
        let url = text.split(separator: "\n").first.map(String.init)?.trimmingCharacters(in: .whitespaces)
        guard let url, url.hasPrefix("http://") || url.hasPrefix("https://") else { return nil }
        return url
    }

    /// Removes the endpoint file (when the server stops).
    public static func remove(for config: RepoConfig) {
        try? FileManager.default.removeItem(atPath: path(for: config))
    }
}
