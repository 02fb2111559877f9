import FeatureStoreKit
import Logging
import ServiceLifecycle

/// Once a second, on the registry lane: checks the registry and both stores (the outcome is what
/// `/health` answers) and, after an `fs apply`, swaps in the new snapshot and reader, refreshes
/// the watermarks `/metrics` shows and has the job lane drop the online data of removed views and
/// replaced generations. Lookups never touch the registry themselves, and nothing here waits for
/// a materialization.
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

    /// One poll: checks the stores, and reloads when the registry version changed. Errors are
    /// logged and the next poll retries.
    ///
    /// - Returns: whether a new version was loaded.
    @discardableResult
    public func tick() async -> Bool {
        let stores = server.stores
        let logger = server.logger
        do {
            let version = try await stores.check()
            guard version != server.state.current.version else { return false }
            let snapshot = try await stores.snapshot()
            server.state.replace(with: ReadState(snapshot: snapshot, store: stores.onlineStore))
            server.metrics.recordRegistryVersion(snapshot.version)
            logger.info("registry reloaded", metadata: ["version": "\(snapshot.version)"])
            do {
                try await stores.refreshWatermarks(for: snapshot)
            } catch {
                logger.warning(
                    "cannot read the watermarks; /metrics shows the previous ones", metadata: ["error": "\(error)"])
            }
            // On the job lane, after any materialization running now (which writes under the old
            // snapshot): not awaited, so the next poll never waits for it.
            let state = server.state
            Task {
                do {
                    try await stores.dropStaleKeyspaces(servedBy: state)
                } catch {
                    logger.warning(
                        "cannot drop stale online data; will retry on the next apply", metadata: ["error": "\(error)"])
                }
            }
            return true
        } catch {
            logger.warning("cannot read the registry; serving the previous version", metadata: ["error": "\(error)"])
            return false
        }
    }
}
