import FeatureStoreCore

/// What served-vector logging, outcomes, `served_log` sources and consistency runs need of an
/// offline store: implemented by ``OfflineStore`` (SQLite) and by the PostgreSQL store, with the
/// same semantics, results and messages.
public protocol ServedLogStore: AnyObject {
    /// Writes a batch of served-vector log rows, possibly of several services, in one
    /// transaction: all of them or none, with their served profiles (see
    /// ``OfflineStore/writeServedLog(_:)``).
    func writeServedLog(_ batch: [(layout: ServedLogLayout, rows: [ServedLogRow])]) throws

    /// The logged rows of `layout`'s service in arrival order, read under `layout`, optionally
    /// only those logged in `[from, to)` (see ``OfflineStore/servedLogRows(_:from:to:)``).
    func servedLogRows(_ layout: ServedLogLayout, from: Timestamp?, to: Timestamp?) throws -> [ServedLogRow]

    /// Stores outcomes in one transaction: all of them or none (see
    /// ``OfflineStore/writeOutcomes(_:receivedAt:)``).
    func writeOutcomes(_ outcomes: [LoggedOutcome], receivedAt: Timestamp) throws

    /// Every stored outcome value in arrival order, one ``LoggedOutcome`` per stored value.
    func outcomes() throws -> [LoggedOutcome]

    /// Per request id, the latest value of each outcome name (by event time; of two at one time,
    /// the one received last).
    func latestOutcomes() throws -> [String: [String: FeatureValue]]

    /// Deletes the log rows logged before `before` (a UTC midnight) of `service`, or of every
    /// service and the outcomes before it when `nil`, with the served profiles of those days, in
    /// one transaction (see ``OfflineStore/pruneServedLog(service:before:)``).
    func pruneServedLog(service: String?, before: Timestamp) throws -> ServedLogPruneReport

    /// A `served_log` source as a source read in place: its `query` reads the service's log with
    /// the latest outcomes joined (see ``OfflineStore/servedLogSource(_:)``); other sources as they are.
    func servedLogSource(_ source: Source) throws -> Source

    /// Stores a run's figures in one transaction (a run of the same service at the same
    /// microsecond replaces it).
    func saveConsistencyRun(_ run: ServedConsistencyRun) throws

    /// The latest stored run of each service, by service name.
    func latestConsistencyRuns() throws -> [ServedConsistencyRun]
}

extension ServedLogStore {
    /// Every logged row of `layout`'s service, in arrival order.
    public func servedLogRows(_ layout: ServedLogLayout) throws -> [ServedLogRow] {
        try servedLogRows(layout, from: nil, to: nil)
    }
}

extension OfflineStore: ServedLogStore {}
