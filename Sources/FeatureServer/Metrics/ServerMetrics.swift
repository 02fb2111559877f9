import CoreMetrics
import Metrics
import Prometheus
import Synchronization

/// The server's metrics, recorded through swift-metrics into this server's own Prometheus
/// registry (not the process-wide bootstrap, so tests can run many servers) and rendered by
/// `GET /metrics`.
///
/// Metric handles are created once per label set and cached: recording costs a dictionary lookup
/// under a mutex and an atomic add.
public final class ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let counters = Mutex<[MetricKey: CoreMetrics.Counter]>([:])
    private let timers = Mutex<[MetricKey: CoreMetrics.Timer]>([:])
    private let gauges = Mutex<[MetricKey: CoreMetrics.Gauge]>([:])
    /// The per-request handles, by endpoint and status (the hot path: one lookup, no allocation).
    private let requestHandles = Mutex<[RequestKey: (count: CoreMetrics.Counter, latency: CoreMetrics.Timer)]>([:])
    /// The per-call handles of gRPC, by method and status code.
    private let rpcHandles = Mutex<[RPCKey: (count: CoreMetrics.Counter, latency: CoreMetrics.Timer)]>([:])
    /// The per-lookup handles, by view.
    private let servedHandles = Mutex<[String: (entities: CoreMetrics.Counter, features: CoreMetrics.Counter)]>([:])

    struct RequestKey: Hashable, Sendable {
        var endpoint: String
        var status: Int
        var caller: String
    }

    struct RPCKey: Hashable, Sendable {
        var method: String
        var code: String
        var caller: String
    }

    struct MetricKey: Hashable, Sendable {
        var name: String
        var labels: [String]
    }

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        let buckets: [Duration] = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5), .seconds(30),
        ]
        factory.durationHistogramBuckets[Names.requestDuration] = buckets
        factory.durationHistogramBuckets[Names.rpcDuration] = buckets
        self.factory = factory
    }

    /// The metric names, all prefixed `fs_`.
    public enum Names {
        public static let requests = "fs_http_requests_total"
        public static let requestDuration = "fs_http_request_duration_seconds"
        public static let errors = "fs_http_errors_total"
        public static let openConnections = "fs_http_open_connections"
        public static let refusedConnections = "fs_http_refused_connections_total"
        public static let rpcs = "fs_grpc_requests_total"
        public static let rpcDuration = "fs_grpc_request_duration_seconds"
        public static let entitiesServed = "fs_online_entities_served_total"
        public static let featuresServed = "fs_online_features_served_total"
        public static let pushRows = "fs_push_rows_total"
        public static let onlineWrites = "fs_online_rows_written_total"
        public static let lateEvents = "fs_aggregate_late_events_total"
        public static let watermark = "fs_materialization_watermark_seconds"
        public static let lag = "fs_materialization_lag_seconds"
        public static let schedulerRuns = "fs_scheduler_runs_total"
        public static let schedulerLastSuccess = "fs_scheduler_last_success_timestamp_seconds"
        public static let registryVersion = "fs_registry_version"
        public static let featureDrift = "fs_feature_drift"
        public static let featureNullRatio = "fs_feature_null_ratio"
        public static let featureFreshness = "fs_feature_freshness_seconds"
    }

    private func counter(_ name: String, _ labels: [(String, String)]) -> CoreMetrics.Counter {
        let key = MetricKey(name: name, labels: labels.map(\.1))
        return counters.withLock { cache in
            if let counter = cache[key] { return counter }
            let counter = CoreMetrics.Counter(label: name, dimensions: labels, factory: factory)
            cache[key] = counter
            return counter
        }
    }

    private func timer(_ name: String, _ labels: [(String, String)]) -> CoreMetrics.Timer {
        let key = MetricKey(name: name, labels: labels.map(\.1))
        return timers.withLock { cache in
            if let timer = cache[key] { return timer }
            let timer = CoreMetrics.Timer(label: name, dimensions: labels, factory: factory)
            cache[key] = timer
            return timer
        }
    }

    private func gauge(_ name: String, _ labels: [(String, String)]) -> CoreMetrics.Gauge {
        let key = MetricKey(name: name, labels: labels.map(\.1))
        return gauges.withLock { cache in
            if let gauge = cache[key] { return gauge }
            let gauge = CoreMetrics.Gauge(label: name, dimensions: labels, factory: factory)
            cache[key] = gauge
            return gauge
        }
    }

    /// One request: its count per endpoint, status and caller (the token's name, never the
    /// token; `anonymous` without one), and its latency per endpoint and status.
    public func recordRequest(endpoint: String, status: Int, caller: String?, nanoseconds: Int64) {
        let key = RequestKey(endpoint: endpoint, status: status, caller: caller ?? TokenAuthenticator.anonymous)
        let handles = requestHandles.withLock { cache in
            if let handles = cache[key] { return handles }
            let labels = [("endpoint", endpoint), ("status", String(status))]
            let handles = (
                count: counter(Names.requests, labels + [("token", key.caller)]),
                latency: timer(Names.requestDuration, labels)
            )
            cache[key] = handles
            return handles
        }
        handles.count.increment()
        handles.latency.recordNanoseconds(nanoseconds)
    }

    /// One gRPC call: its count per method (`service/Method`), status code name (`OK`,
    /// `INVALID_ARGUMENT`, ...) and caller (as for HTTP), and its latency per method and code.
    public func recordRPC(method: String, code: String, caller: String?, nanoseconds: Int64) {
        let key = RPCKey(method: method, code: code, caller: caller ?? TokenAuthenticator.anonymous)
        let handles = rpcHandles.withLock { cache in
            if let handles = cache[key] { return handles }
            let labels = [("method", method), ("code", code)]
            let handles = (
                count: counter(Names.rpcs, labels + [("token", key.caller)]),
                latency: timer(Names.rpcDuration, labels)
            )
            cache[key] = handles
            return handles
        }
        handles.count.increment()
        handles.latency.recordNanoseconds(nanoseconds)
    }

    /// One error answer, per endpoint, error code and caller.
    public func recordError(endpoint: String, code: String, caller: String?) {
        counter(
            Names.errors, [("endpoint", endpoint), ("code", code), ("token", caller ?? TokenAuthenticator.anonymous)]
        )
        .increment()
    }

    /// The connections open now.
    func recordOpenConnections(_ count: Int) {
        gauge(Names.openConnections, []).record(Double(count))
    }

    /// A connection answered 503 for being over `--max-connections`.
    func recordRefusedConnection() {
        counter(Names.refusedConnections, []).increment()
    }

    /// Entities and feature values served from one view by a lookup.
    public func recordServed(view: String, entities: Int, features: Int) {
        let handles = servedHandles.withLock { cache in
            if let handles = cache[view] { return handles }
            let handles = (
                entities: counter(Names.entitiesServed, [("view", view)]),
                features: counter(Names.featuresServed, [("view", view)])
            )
            cache[view] = handles
            return handles
        }
        handles.entities.increment(by: entities)
        handles.features.increment(by: entities * features)
    }

    /// Rows accepted by `/push` for one source and destination.
    public func recordPush(source: String, to destination: String, rows: Int) {
        counter(Names.pushRows, [("source", source), ("to", destination)]).increment(by: rows)
    }

    /// Rows that changed the online store of a view (push or write-to-online-store).
    public func recordOnlineWrites(view: String, rows: Int) {
        counter(Names.onlineWrites, [("view", view)]).increment(by: rows)
    }

    /// Pushed events too late for a view's online aggregates (older than its longest window plus
    /// its lateness): they reach only the offline history.
    public func recordLateEvents(view: String, events: Int) {
        counter(Names.lateEvents, [("view", view)]).increment(by: events)
    }

    /// A view's materialization watermark and how far it trails `now`, in seconds.
    public func recordWatermark(view: String, watermarkSeconds: Double, lagSeconds: Double) {
        gauge(Names.watermark, [("view", view)]).record(watermarkSeconds)
        gauge(Names.lag, [("view", view)]).record(lagSeconds)
    }

    /// One scheduler run of a view: `success` or `failure`; a success also sets the last-success time.
    public func recordSchedulerRun(view: String, success: Bool, atSeconds: Double) {
        counter(Names.schedulerRuns, [("view", view), ("result", success ? "success" : "failure")]).increment()
        if success { gauge(Names.schedulerLastSuccess, [("view", view)]).record(atSeconds) }
    }

    /// The registry version being served.
    public func recordRegistryVersion(_ version: Int64) {
        gauge(Names.registryVersion, []).record(Double(version))
    }

    /// A drift figure (`psi` or `js`) of a monitored service's feature against its baseline.
    public func recordDrift(service: String, view: String, feature: String, metric: String, value: Double) {
        gauge(Names.featureDrift, [("service", service), ("view", view), ("feature", feature), ("metric", metric)])
            .record(value)
    }

    /// The share of nulls among a feature's values in the offline history's last day.
    public func recordNullRatio(view: String, feature: String, ratio: Double) {
        gauge(Names.featureNullRatio, [("view", view), ("feature", feature)]).record(ratio)
    }

    /// How old a view's newest event is, in seconds (now minus the newest event time).
    public func recordFreshness(view: String, seconds: Double) {
        gauge(Names.featureFreshness, [("view", view)]).record(seconds)
    }

    /// Every metric in Prometheus' text format.
    public func render() -> [UInt8] {
        var out: [UInt8] = []
        registry.emit(into: &out)
        return out
    }
}

// MARK: Served-vector logging

extension ServerMetrics.Names {
    /// Log rows dropped because the log queue was full (or the writer had stopped), per service.
    public static let logDropped = "fs_feature_log_dropped_total"
    /// Log rows written to the offline store, per service.
    public static let logWritten = "fs_feature_log_rows_written_total"
    /// Log rows lost because their batch could not be written, per service.
    public static let logFailed = "fs_feature_log_write_failed_rows_total"
}

extension ServerMetrics {
    /// Counts log rows of `service` dropped before they were queued.
    public func recordLogDropped(service: String, rows: Int) {
        counter(Names.logDropped, [("service", service)]).increment(by: rows)
    }

    /// Counts log rows of `service` written (`failed`: lost with a batch that failed).
    public func recordLogWritten(service: String, rows: Int, failed: Bool) {
        counter(failed ? Names.logFailed : Names.logWritten, [("service", service)]).increment(by: rows)
    }
}

extension ServerMetrics.Names {
    /// The mismatch ratio of each feature in the latest stored `fs consistency` run of a service.
    public static let consistencyMismatch = "fs_consistency_mismatch_ratio"
}

extension ServerMetrics {
    /// Sets the mismatch ratio of a feature in `service`'s latest `fs consistency` run.
    public func recordConsistency(service: String, view: String, feature: String, ratio: Double) {
        gauge(Names.consistencyMismatch, [("service", service), ("view", view), ("feature", feature)]).record(ratio)
    }
}
