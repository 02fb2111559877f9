import FeatureStoreCore

/// What fs needs from a registry, whichever database holds it: the SQLite file (``Registry``, the
/// default) or PostgreSQL (`PostgresRegistry` in RegistryPostgres, shared by many machines).
///
/// Every implementation has the same semantics: an apply is one transaction that happens whole or
/// not at all and is serialized with other applies; object versions and generations and the
/// registry version grow as ``RegistryWrites`` says; runs keep their last
/// ``Registry/runsKeptPerView`` per view; watermarks only move forward and never past `now`.
public protocol RegistryStore: AnyObject {
    /// Where the registry is, for messages (a file path, or a DSN without password and a schema).
    var location: String { get }

    /// The registry version alone: cheap enough to poll.
    func version() throws -> Int64

    /// Everything registered.
    func snapshot() throws -> RegistrySnapshot

    /// Writes `definitions` as the registry's new content, in one transaction; `beforeCommit`
    /// runs inside it (if it throws, nothing is written).
    func apply(
        _ definitions: RepoDefinitions, project: String, allowBreaking: Bool, now: Timestamp,
        beforeCommit: (_ before: RegistrySnapshot, _ after: RegistrySnapshot) throws -> Void
    ) throws -> ApplyResult

    /// Records a materialization run and prunes its views to their last `keep` runs.
    @discardableResult
    func recordRun(_ run: MaterializationRun, keep: Int) throws -> Int64

    /// The newest runs first: the last `limit` runs, or the last `limit` runs of `view`.
    func runs(view: String?, limit: Int) throws -> [MaterializationRun]

    /// The watermark of each view, for the view's current generation in `snapshot`.
    func watermarks(for snapshot: RegistrySnapshot) throws -> [String: Watermark]

    /// Moves watermarks forward (never back, never past `now`), in one transaction.
    func advanceWatermarks(_ marks: [WatermarkAdvance], now: Timestamp) throws
}

extension Registry: RegistryStore {}

extension RegistryStore {
    /// ``apply(_:project:allowBreaking:now:beforeCommit:)`` with nothing to do before the commit.
    public func apply(_ definitions: RepoDefinitions, project: String, allowBreaking: Bool, now: Timestamp) throws
        -> ApplyResult
    {
        try apply(definitions, project: project, allowBreaking: allowBreaking, now: now, beforeCommit: { _, _ in })
    }

    /// ``recordRun(_:keep:)`` keeping the default ``Registry/runsKeptPerView``.
    @discardableResult
    public func recordRun(_ run: MaterializationRun) throws -> Int64 {
        try recordRun(run, keep: Registry.runsKeptPerView)
    }

    /// The last `limit` runs, newest first.
    public func runs(limit: Int) throws -> [MaterializationRun] { try runs(view: nil, limit: limit) }
}
