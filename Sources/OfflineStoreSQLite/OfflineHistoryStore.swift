import FeatureStoreCore

/// What ingest, push, training sets and materialization need of an offline store: implemented by
/// ``OfflineStore`` (SQLite, the embedded default) and by the PostgreSQL store, with the same
/// semantics, results and messages (both run the one implementation of parsing, point-in-time
/// joins, windows and scans; only storing and reading rows differ).
///
/// Served logs, outcomes and consistency runs (``ServedLogStore``) and feature profiles and
/// baselines (``ProfileStore``) are part of it too.
public protocol OfflineHistoryStore: AnyObject, ServedLogStore, ProfileStore {
    /// What messages call the store (a path, or a DSN without its password).
    var location: String { get }

    /// The SQLite store behind this one (its file, for tests and tools); `nil` for PostgreSQL.
    var sqlite: OfflineStore? { get }

    /// Creates or brings up to date the history tables of `tables` (run by `fs apply`).
    @discardableResult
    func prepare(_ tables: [HistoryTable]) throws -> OfflineStore.PrepareReport

    /// Drops every history table whose name is not in `keep`.
    func dropHistoryTables(except keep: Set<String>) throws

    /// Appends a file's rows to a source's history, in one transaction (see
    /// ``OfflineStore/ingest(file:format:into:options:now:)``).
    func ingest(file: String, format: TabularFormat, into table: HistoryTable, options: IngestOptions, now: Timestamp)
        throws -> IngestResult

    /// Every ingest into `table`, oldest first.
    func ingestLog(of table: HistoryTable) throws -> [IngestRecord]

    /// Appends typed rows (a push) in one transaction (see ``OfflineStore/append(rows:to:)``).
    @discardableResult
    func append(rows: [[FeatureValue]], to table: HistoryTable) throws -> AppendResult

    /// Builds a training set (see ``TrainingSetRun``); the output appears only when complete.
    func trainingSet(
        spine: String, spineFormat: TabularFormat, views: [TrainingSetView], output: String,
        outputFormat: TabularFormat, profile: Bool
    ) throws -> TrainingSetResult

    /// The features of `views` at each row of an in-memory spine, through the training set's computers.
    func pointInTimeValues(spine: [UInt8], name: String, views: [TrainingSetView]) throws -> [PointInTimeValues]

    /// Streams the latest row per entity of a time range (see ``HistoryReader/scanLatestRows``).
    @discardableResult
    func scanLatestRows(
        history: HistoryLocation, viewName: String, joinKeys: [JoinKey], features: [Feature], from: Timestamp,
        to: Timestamp, arrivedAfter: Int64?, entities: Set<[FeatureValue]>?, batchSize: Int,
        _ body: ([LatestRow]) throws -> Void
    ) throws -> Int

    /// Streams the events of a time range (see ``HistoryReader/scanEvents``).
    @discardableResult
    func scanEvents(
        history: HistoryLocation, viewName: String, joinKeys: [JoinKey], columns: [Feature], from: Timestamp,
        to: Timestamp, arrivedAfter: Int64?, batchSize: Int, _ body: ([SourceEvent]) throws -> Void
    ) throws -> Int

    /// The versions of events replaced at an earlier event time or under another entity (sources
    /// with `dedupe_on`), by versions that arrived after `arrivedAfter` (see
    /// ``OfflineStore/replacedVersions(history:viewName:joinKeys:arrivedAfter:)``).
    func replacedVersions(history: HistoryLocation, viewName: String, joinKeys: [JoinKey], arrivedAfter: Int64?)
        throws -> [ReplacedVersion]

    /// Up to `limit` distinct entity keys of a source, picked at random.
    func sampleKeys(history: HistoryLocation, viewName: String, joinKeys: [JoinKey], limit: Int) throws
        -> [[FeatureValue]]

    /// The newest event time in a history table (`nil` when empty or missing).
    func newestEventTime(of table: HistoryTable) throws -> Timestamp?

    /// The highest arrival number handed out so far (0 when none).
    func lastSequence() throws -> Int64

    /// How many rows a history table holds (0 when it does not exist).
    func rowCount(_ table: HistoryTable) throws -> Int64
}

extension OfflineHistoryStore {
    /// ``ingest(file:format:into:options:now:)`` with default options.
    public func ingest(file: String, format: TabularFormat, into table: HistoryTable) throws -> IngestResult {
        try ingest(file: file, format: format, into: table, options: IngestOptions(), now: Timestamp(microseconds: 0))
    }
}

extension OfflineStore: OfflineHistoryStore {
    public var location: String { path }
    public var sqlite: OfflineStore? { self }
}
