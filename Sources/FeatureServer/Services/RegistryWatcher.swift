import FeatureStoreKit
import Logging
import ServiceLifecycle

/// Polls the registry version and, after an `fs apply`, swaps in the new snapshot and reader and
/// drops the online data of removed views and replaced generations. Lookups never touch the
/// registry themselves.
public struct RegistryWatcher: Service {
    let server: FeatureServer

    public init(server: FeatureServer) { self.server = server }

    public func run() async throws {
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown {
                    try await Task.sleep(for: server.configuration.registryPollInterval)
                }
            } catch {
                return
            }
            await tick()
        }
    }

    /// One poll: reloads when the version changed. Errors are logged and the next poll retries.
    ///
    /// - Returns: whether a new version was loaded.
    @discardableResult
    public func tick() async -> Bool {
        do {
            let version = try await server.store.registryVersion()
            guard version != server.state.current.version else { return false }
            let snapshot = try await server.store.snapshot()
            server.state.replace(with: ReadState(snapshot: snapshot, store: server.store.onlineStore))
            server.metrics.recordRegistryVersion(snapshot.version)
            server.logger.info("registry reloaded", metadata: ["version": "\(snapshot.version)"])
            do {
                try await server.store.dropStaleKeyspaces(keeping: snapshot)
            } catch {
                server.logger.warning(
                    "cannot drop stale online data; will retry on the next apply", metadata: ["error": "\(error)"])
            }
            return true
        } catch {
            server.logger.warning(
                "cannot read the registry; serving the previous version", metadata: ["error": "\(error)"])
            return false
        }
    }
}
