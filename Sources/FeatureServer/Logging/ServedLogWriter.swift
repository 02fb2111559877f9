import FeatureStoreKit
import ServiceLifecycle

/// Writes the served-vector log in the background: a batch as soon as ``ServedLog/batchRows``
/// rows are queued, whatever is queued once a second, and everything queued on graceful shutdown
/// (after the HTTP and gRPC servers have stopped taking lookups, which a `ServiceGroup` stops
/// first); at start and once an hour, prunes the logs of services with `logging.retention`. A crash (kill -9) loses at most the rows still queued: each batch is one transaction,
/// so none is ever half-written.
public struct ServedLogWriter: Service {
    let log: ServedLog
    /// How often the queue is checked for a full batch.
    let tick: Duration
    /// The longest a row waits in the queue.
    let interval: Duration
    /// Applies the services' `logging.retention` (at start, then once an hour).
    let retention: @Sendable () async -> Void

    public init(
        log: ServedLog, tick: Duration = .milliseconds(50), interval: Duration = .seconds(1),
        retention: @escaping @Sendable () async -> Void = {}
    ) {
        self.log = log
        self.tick = tick
        self.interval = interval
        self.retention = retention
    }

    public func run() async throws {
        var lastFlush = ContinuousClock.now
        await retention()
        var lastRetention = ContinuousClock.now
        while !Task.isShuttingDownGracefully {
            if ContinuousClock.now - lastRetention >= .seconds(3_600) {
                await retention()
                lastRetention = ContinuousClock.now
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: tick) }
            } catch {
                break
            }
            if ContinuousClock.now - lastFlush >= interval {
                await log.flush()
                lastFlush = ContinuousClock.now
            } else if log.pendingRows >= log.batchRows {
                await log.flush(onlyFull: true)
            }
        }
        await log.close()
    }
}
