import FeatureStoreKit
import Foundation
import Logging
import ServiceLifecycle

/// Materializes views that have a `schedule` incrementally when due, in the server itself.
///
/// A view is due when its watermark was last moved more than its interval ago (or never). Runs
/// never overlap: one tick runs at a time and awaits its materialization. A failed run is logged
/// and, its watermark unchanged, retried at the next tick. Views the materialization skips (kinds
/// it cannot materialize yet) are reported as skipped, not as successes.
///
/// Several servers sharing one online store (Redis replicas) each run a scheduler, but only the
/// holder of the store's scheduler lease materializes: it takes the lease at a tick, renews it
/// while a run lasts, and lets it expire when it stops (another replica then takes over).
public struct Scheduler: Service {
    let server: FeatureServer
    /// Who this server is, as the lease's holder.
    let holder = "fs-serve-\(UUID().uuidString)"

    public init(server: FeatureServer) { self.server = server }

    /// How long a taken or renewed lease lasts: several ticks, so a live holder never loses it
    /// between two of its ticks.
    var leaseDuration: Duration { max(server.configuration.schedulerTick * 3, .seconds(15)) }

    public func run() async throws {
        while !Task.isShuttingDownGracefully {
            await tick()
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: server.configuration.schedulerTick) }
            } catch {
                return
            }
        }
    }

    /// The views that are due now.
    public func dueViews() async throws -> [String] {
        let snapshot = server.state.current.snapshot
        let scheduled = snapshot.definitions.featureViews.filter { $0.online && $0.schedule != nil }
        if scheduled.isEmpty { return [] }
        let marks = try await server.stores.watermarks(for: snapshot)
        let now = server.clock()
        return scheduled.filter { view in
            guard let mark = marks[view.name], let schedule = view.schedule else { return true }
            return mark.updatedAt + schedule.interval <= now
        }.map(\.name)
    }

    /// One check: materializes the due views together. Failures are logged, never thrown.
    ///
    /// - Returns: the report of the run, or `nil` when nothing was due or the run failed.
    @discardableResult
    public func tick() async -> MaterializationReport? {
        let due: [String]
        do {
            due = try await dueViews()
        } catch {
            server.logger.error(
                "scheduler cannot read the watermarks; retrying at the next tick", metadata: ["error": "\(error)"])
            return nil
        }
        if due.isEmpty { return nil }
        let online = server.stores.onlineStore
        let lease = leaseDuration
        do {
            guard try await online.holdSchedulerLease(holder: holder, for: lease) else { return nil }
        } catch {
            server.logger.error(
                "scheduler cannot take its lease; retrying at the next tick", metadata: ["error": "\(error)"])
            return nil
        }
        // Renewed while the run lasts, so no other replica starts one meanwhile.
        let holder = self.holder
        let logger = server.logger
        let renewal = Task {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: lease / 3)
                    if try await !online.holdSchedulerLease(holder: holder, for: lease) {
                        logger.warning(
                            "scheduler lost its lease during a run (it outlasted the lease); another server may run too"
                        )
                    }
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning("scheduler cannot renew its lease", metadata: ["error": "\(error)"])
                }
            }
        }
        defer { renewal.cancel() }
        let now = server.clock()
        do {
            let report = try await server.stores.materializeIncremental(to: now, views: due, trigger: .scheduled)
            let seconds = Double(now.microseconds) / 1e6
            for view in report.views {
                server.metrics.recordSchedulerRun(view: view.view, success: true, atSeconds: seconds)
            }
            server.logger.info(
                "scheduled materialization done",
                metadata: [
                    "views": "\(due.joined(separator: ","))", "written": "\(report.written)",
                    "seconds": "\(report.seconds)",
                ])
            return report
        } catch {
            for view in due { server.metrics.recordSchedulerRun(view: view, success: false, atSeconds: 0) }
            server.logger.error(
                "scheduled materialization failed; retrying at the next tick",
                metadata: ["views": "\(due.joined(separator: ","))", "error": "\(error)"])
            return nil
        }
    }
}
