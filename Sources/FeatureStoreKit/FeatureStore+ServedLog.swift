import FeatureRegistry
import FeatureStoreCore
import OfflineStorePostgres
import OfflineStoreSQLite

/// A feature service's served-vector log as stored: its layout, its rows, and per request id the
/// latest value of each outcome.
public struct ServedLogReport: Sendable {
    public var layout: ServedLogLayout
    public var rows: [ServedLogRow]
    public var outcomes: [String: [String: FeatureValue]]
}

extension FeatureStore {
    /// The log layout of `service` under the registered definitions.
    ///
    /// - Throws: `notFound` for an unknown service.
    public func servedLogLayout(service: String) throws -> ServedLogLayout {
        let plan = try OnlineReadPlan(service: service, definitions: try snapshot().definitions, fullFeatureNames: true)
        return ServedLogLayout(service: service, plan: plan)
    }

    /// The rows `fs serve` logged for `service` in `[from, to)` (every row when not given), in the
    /// order they were written, with the outcomes posted for their requests.
    ///
    /// - Throws: `notFound` for an unknown service; `invalidArgument` for a service that neither
    ///   logs nor has logged.
    public func servedLog(service: String, from: Timestamp? = nil, to: Timestamp? = nil) throws -> ServedLogReport {
        let layout = try servedLogLayout(service: service)
        let offline = try offlineStore()
        let rows = try offline.servedLogRows(layout, from: from, to: to)
        if rows.isEmpty, try snapshot().definitions.featureService(service)?.logging == nil {
            throw FeatureStoreError.invalidArgument(
                "feature service '\(service)' does not log its lookups; add `logging: { sample_rate: 1 }` to it, fs apply, and serve it with fs serve"
            )
        }
        return ServedLogReport(layout: layout, rows: rows, outcomes: try offline.latestOutcomes())
    }
}

extension FeatureStore {
    /// Deletes served-log rows (and, for every service, outcomes) older than `olderThan` from now,
    /// by whole UTC days: rows logged before the midnight on or before `now - olderThan`.
    ///
    /// - Throws: `notFound` for a `service` that is neither registered nor has a log.
    public func pruneServedLogs(olderThan: TimeSpan, service: String? = nil) throws -> ServedLogPruneReport {
        let before = OfflineStore.startOfDay(clock().subtractingClamped(olderThan))
        if let service, try snapshot().definitions.featureService(service) == nil {
            let report = try offlineStore().pruneServedLog(service: service, before: before)
            guard !report.rows.isEmpty else {
                let names = try snapshot().definitions.featureServices.map(\.name)
                throw FeatureStoreError.notFound(
                    "unknown feature service '\(service)' and no served log of that name.\(Suggestion.didYouMean(service, in: names))"
                )
            }
            return report
        }
        return try offlineStore().pruneServedLog(service: service, before: before)
    }
}

extension FeatureStore {
    /// With the PostgreSQL offline store, fails when the log of a feature service with `logging:`
    /// would need a name PostgreSQL cuts (its table, an index or a column over 63 bytes), so
    /// `fs apply` refuses it rather than the server failing every write.
    func requireServedLogNamesFit(_ definitions: RepoDefinitions) throws {
        guard config.postgresOfflineStore != nil else { return }
        for service in definitions.featureServices where service.logging != nil {
            // A service that cannot be planned is reported by validation.
            guard
                let plan = try? OnlineReadPlan(service: service.name, definitions: definitions, fullFeatureNames: true)
            else { continue }
            try PostgresIdentifier.requireFits(servedLog: ServedLogLayout(service: service.name, plan: plan))
        }
    }
}
