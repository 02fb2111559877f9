import FeatureStoreKit
import Logging
import ServiceLifecycle

/// Refreshes the monitoring figures and gauges (drift, null ratios, freshness) every
/// `--monitoring-interval`, beside the HTTP server: the scrape path only renders them.
public struct MonitoringRefresher: Service {
    let server: FeatureServer

    public init(server: FeatureServer) { self.server = server }

    public func run() async throws {
        while !Task.isShuttingDownGracefully {
            await tick()
            do {
                try await cancelWhenGracefulShutdown {
                    try await Task.sleep(for: server.configuration.monitoringInterval)
                }
            } catch {
                return
            }
        }
    }

    /// One refresh; a failure is logged and the gauges keep their last figures.
    public func tick() async {
        do {
            let figures = try await server.monitoring.refresh(metrics: server.metrics)
            for (service, problem) in figures.driftProblems.sorted(by: { $0.key < $1.key }) {
                server.logger.warning(
                    "no drift gauges for a monitored feature service",
                    metadata: ["service": "\(service)", "error": "\(problem)"])
            }
        } catch {
            server.logger.error(
                "cannot refresh the monitoring gauges; retrying at the next interval", metadata: ["error": "\(error)"])
        }
    }
}
