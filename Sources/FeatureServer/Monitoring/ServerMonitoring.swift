import FeatureStoreKit
import Synchronization

/// Profiles, drift and freshness in the server: a store lane of its own (profile updates scan
/// rows and write profiles, and must not hold back pushes or materializations), the figures of the
/// latest background refresh, and the gauges they set.
///
/// `/metrics` never computes anything: the ``MonitoringRefresher`` calls ``refresh(metrics:)``
/// every `--monitoring-interval`, and the gauges keep the figures of the latest refresh.
public final class ServerMonitoring: Sendable {
    private let lane: StoreLane
    private let latest = Mutex<MonitoringFigures?>(nil)

    init(repo: String, clock: @escaping @Sendable () -> Timestamp, onlineStore: any OnlineStoreBackend) throws {
        lane = try StoreLane(label: "fs.monitoring", repo: repo, clock: clock, onlineStore: onlineStore)
    }

    /// The figures of the latest refresh, `nil` before the first one.
    public var figures: MonitoringFigures? { latest.withLock { $0 } }

    /// `fs stats` in the server.
    func stats(_ request: StatsRequest, snapshot: RegistrySnapshot) async throws -> StatsReport {
        try await lane.run { try $0.stats(request, snapshot: snapshot) }
    }

    /// `fs drift` in the server.
    func drift(_ request: DriftRequest) async throws -> DriftReport {
        try await lane.run { try $0.drift(request) }
    }

    /// The window length a `window` query asks for, resolved to bucket bounds on the lane's clock.
    func window(_ span: TimeSpan) async throws -> (start: Timestamp, end: Timestamp) {
        try await lane.run { $0.profileWindow(span) }
    }

    /// Something the UI reads from the stores, on this lane.
    func read<T: Sendable>(_ body: @escaping @Sendable (FeatureStore) throws -> T) async throws -> T {
        try await lane.run(body)
    }

    /// Computes the figures now, keeps them, and sets the gauges: drift per monitored service's
    /// feature (`psi`, `js`), null ratio per profiled feature over the last day, freshness per
    /// view (now minus its newest event), and the mismatch ratio per feature of each service's
    /// latest `fs consistency` run (`fs_consistency_mismatch_ratio`).
    ///
    /// - Returns: the figures.
    @discardableResult
    public func refresh(metrics: ServerMetrics) async throws -> MonitoringFigures {
        let figures = try await lane.run { try $0.monitoringFigures() }
        latest.withLock { $0 = figures }
        let now = Double(figures.computedAt.microseconds) / 1e6
        for (view, newest) in figures.newestEvents {
            metrics.recordFreshness(view: view, seconds: now - Double(newest.microseconds) / 1e6)
        }
        for (feature, ratio) in figures.nullRatios {
            metrics.recordNullRatio(view: feature.view, feature: feature.feature, ratio: ratio)
        }
        for report in figures.drift {
            for feature in report.features {
                if let psi = feature.psi {
                    metrics.recordDrift(
                        service: report.service, view: feature.view, feature: feature.feature, metric: "psi", value: psi
                    )
                }
                if let js = feature.jensenShannon {
                    metrics.recordDrift(
                        service: report.service, view: feature.view, feature: feature.feature, metric: "js", value: js)
                }
            }
        }
        for run in figures.consistency {
            for feature in run.features {
                metrics.recordConsistency(
                    service: run.service, view: feature.view, feature: feature.feature, ratio: feature.mismatchRatio)
            }
        }
        return figures
    }
}
