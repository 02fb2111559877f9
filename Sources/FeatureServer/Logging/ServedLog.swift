import FeatureStoreKit
import Logging

/// The server's served-vector logging: lookups of a feature service with `logging:` hand their
/// sampled rows to a bounded queue (``record(service:state:plan:response:)``, never waiting), and
/// ``flush(maxRows:)`` writes them, in batches of at most ``batchRows`` rows, one transaction each,
/// into the service's log table in the offline store, on a store lane of its own (so log writes
/// never hold up pushes). The ``ServedLogWriter`` service flushes every second, or as soon as a
/// batch is full, and everything queued on graceful shutdown.
public final class ServedLog: Sendable {
    /// The most rows in one write (one transaction).
    public static let batchRows = 1_000
    /// The most rows queued; a lookup whose rows do not fit is dropped from the log (counted in
    /// `fs_feature_log_dropped_total`), never waited for.
    public static let defaultCapacity = 100_000

    let queue: ServedLogQueue
    let batchRows: Int
    private let lane: StoreLane
    private let metrics: ServerMetrics
    private let logger: Logger
    /// One flush at a time: batches are written in queue order.
    private let writing = AsyncLock()

    init(
        stores: ServerStores, clock: @escaping @Sendable () -> Timestamp, metrics: ServerMetrics, logger: Logger,
        capacity: Int = ServedLog.defaultCapacity, batchRows: Int = ServedLog.batchRows
    ) throws {
        lane = try StoreLane(label: "fs.log", repo: stores.repoPath, clock: clock, onlineStore: stores.onlineStore)
        queue = ServedLogQueue(capacity: capacity) { drop in
            metrics.recordLogDropped(service: drop.service, rows: drop.rows)
        }
        self.batchRows = batchRows
        self.metrics = metrics
        self.logger = logger
    }

    /// Hands a lookup of a logging service to the log, sampled per its settings; cheap and never
    /// waiting (the rows are built by the writer). The request id is computed only when a row is
    /// logged. A response lacking one of the plan's join keys cannot be logged: its rows are
    /// counted as dropped (`fs_feature_log_dropped_total`).
    func record(
        _ logging: CachedPlan.Logging, plan: OnlineReadPlan, response: OnlineFeaturesResponse,
        requestID: @autoclosure () -> String, now: Timestamp
    ) {
        let rowCount = response.columns.first?.count ?? 0
        let keyCount = response.columns.count - plan.featureNames.count
        let keyNames = response.featureNames.prefix(keyCount)
        var keyColumns: [Int] = []
        keyColumns.reserveCapacity(logging.keyNames.count)
        for key in logging.keyNames {
            guard let column = keyNames.firstIndex(of: key) else {
                queue.drop(service: logging.service, rows: rowCount)
                return
            }
            keyColumns.append(column)
        }
        let rows = ServedLogSampler(settings: logging.settings).rows(
            keyColumns: keyColumns, of: response, rowCount: rowCount)
        if rows.isEmpty { return }
        queue.offer(
            ServedLogEntry(
                service: logging.service, serviceVersion: logging.serviceVersion, plan: plan, response: response,
                keyColumns: keyColumns, rows: rows, requestID: requestID(), logTimestamp: now))
    }

    /// The rows queued and not yet written.
    public var pendingRows: Int { queue.pendingRows }

    /// Rows dropped so far because the queue was full (or closed), per service.
    public var droppedRows: [String: Int] { queue.dropped }

    /// Writes queued rows in batches of at most ``batchRows``: all of them, or (`onlyFull`) only
    /// full batches. A batch that fails is logged and counted as lost
    /// (`fs_feature_log_write_failed_rows_total`); the next ones are still tried.
    ///
    /// - Returns: the rows written.
    @discardableResult
    public func flush(onlyFull: Bool = false) async -> Int {
        await writing.withLock {
            var written = 0
            while queue.pendingRows > 0, !onlyFull || queue.pendingRows >= batchRows {
                written += await write(queue.take(maxRows: batchRows))
            }
            return written
        }
    }

    /// Stores outcomes (`POST /log/outcomes`) in one transaction, on the log's lane.
    func writeOutcomes(_ outcomes: [LoggedOutcome], receivedAt: Timestamp) async throws {
        try await lane.run {
            try $0.offlineStore().writeOutcomes(outcomes, receivedAt: receivedAt)
        }
    }

    /// Prunes the log of each service with `logging.retention` by whole days (as
    /// `fs log prune --older-than RETENTION --service S`). Failures are logged, never thrown.
    ///
    /// - Returns: the rows deleted per service.
    @discardableResult
    public func applyRetention(_ definitions: RepoDefinitions, now: Timestamp) async -> [String: Int] {
        var deleted: [String: Int] = [:]
        for service in definitions.featureServices {
            guard let retention = service.logging?.retention else { continue }
            let before = OfflineStore.startOfDay(now.subtractingClamped(retention))
            do {
                let report = try await lane.run {
                    try $0.offlineStore().pruneServedLog(service: service.name, before: before)
                }
                deleted[service.name] = report.rows[service.name] ?? 0
                if let rows = report.rows[service.name], rows > 0 {
                    logger.info(
                        "pruned the served log by its retention",
                        metadata: ["service": "\(service.name)", "rows": "\(rows)", "before": "\(before.rfc3339)"])
                }
            } catch {
                logger.error(
                    "cannot prune the served log; retrying in an hour",
                    metadata: ["service": "\(service.name)", "error": "\(error)"])
            }
        }
        return deleted
    }

    /// Refuses later lookups (counted as dropped) and writes everything queued.
    func close() async {
        queue.close()
        await flush()
    }

    /// Writes one batch in one transaction.
    private func write(_ entries: [ServedLogEntry]) async -> Int {
        var groups: [ServedLogLayout: [ServedLogRow]] = [:]
        var order: [ServedLogLayout] = []
        for entry in entries {
            let layout = entry.layout
            if groups[layout] == nil { order.append(layout) }
            groups[layout, default: []].append(contentsOf: entry.logRows)
        }
        let batch = order.map { (layout: $0, rows: groups[$0] ?? []) }
        var counts: [String: Int] = [:]
        for (layout, rows) in batch { counts[layout.service, default: 0] += rows.count }
        do {
            try await lane.run {
                try $0.offlineStore().writeServedLog(batch)
            }
            for (service, rows) in counts { metrics.recordLogWritten(service: service, rows: rows, failed: false) }
            return counts.values.reduce(0, +)
        } catch {
            for (service, rows) in counts { metrics.recordLogWritten(service: service, rows: rows, failed: true) }
            logger.error(
                "cannot write a batch of served-vector log rows; they are lost",
                metadata: [
                    "rows": "\(counts.values.reduce(0, +))",
                    "services": "\(counts.keys.sorted().joined(separator: ","))",
                    "error": "\(error)",
                ])
            return 0
        }
    }
}
