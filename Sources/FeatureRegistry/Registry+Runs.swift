import FeatureStoreCore
import SQLite

/// One materialization run as recorded in the registry: what started it, when, how long it took,
/// what it wrote per view, and how it ended. CLI runs and server runs share the table, so both
/// show in the UI and survive restarts.
public struct MaterializationRun: Sendable, Equatable, Codable {
    /// `materialize START END` or `materialize-incremental END`.
    public enum Mode: String, Sendable, Codable, CaseIterable {
        case full, incremental
    }

    /// Who asked for the run.
    public enum Trigger: String, Sendable, Codable, CaseIterable {
        /// `fs materialize` / `fs materialize-incremental` in a shell or cron.
        case cli
        /// The server's scheduler (views with a `schedule`).
        case scheduled
        /// `POST /materialize` or `POST /materialize-incremental`.
        case requested
        /// The CLI, handed over HTTP to the `fs serve` holding the online store.
        case cliViaServer = "cli via server"
    }

    /// What the run did to one view (zeros for views a failed run did not reach).
    public struct ViewRun: Sendable, Equatable, Codable {
        public var view: String
        public var rowsScanned: Int
        public var rowsWritten: Int
        public var seconds: Double

        public init(view: String, rowsScanned: Int, rowsWritten: Int, seconds: Double) {
            self.view = view
            self.rowsScanned = rowsScanned
            self.rowsWritten = rowsWritten
            self.seconds = seconds
        }
    }

    /// Increasing with every recorded run (0 before it is recorded).
    public var id: Int64
    public var mode: Mode
    public var trigger: Trigger
    public var startedAt: Timestamp
    public var seconds: Double
    public var views: [ViewRun]
    /// The error that stopped the run; `nil` when it succeeded.
    public var error: String?

    public init(
        id: Int64 = 0, mode: Mode, trigger: Trigger, startedAt: Timestamp, seconds: Double, views: [ViewRun],
        error: String?
    ) {
        self.id = id
        self.mode = mode
        self.trigger = trigger
        self.startedAt = startedAt
        self.seconds = seconds
        self.views = views
        self.error = error
    }

    public var succeeded: Bool { error == nil }

    /// Adds one row of `materialization_runs` (rows read newest run first, then by view) to `runs`:
    /// to the last run when it has the same id, else as a new run. Unknown modes and triggers read
    /// as `full` and `cli`.
    public static func collect(
        into runs: inout [MaterializationRun], id: Int64, mode: String, trigger: String, startedAt: Timestamp,
        runSeconds: Double, view: ViewRun, error: String?
    ) {
        if runs.last?.id == id {
            runs[runs.count - 1].views.append(view)
            return
        }
        runs.append(
            MaterializationRun(
                id: id, mode: Mode(rawValue: mode) ?? .full, trigger: Trigger(rawValue: trigger) ?? .cli,
                startedAt: startedAt, seconds: runSeconds, views: [view], error: error))
    }
    public var rowsWritten: Int { views.reduce(0) { $0 + $1.rowsWritten } }
    public var rowsScanned: Int { views.reduce(0) { $0 + $1.rowsScanned } }
}

extension Registry {
    /// How many runs are kept per view: recording a run removes each of its views' older runs
    /// past this many (a run is gone when none of its views keeps it).
    public static let runsKeptPerView = 100

    static let runsSchema = """
        CREATE TABLE IF NOT EXISTS materialization_runs (
            run INTEGER NOT NULL, view TEXT NOT NULL, mode TEXT NOT NULL, trigger TEXT NOT NULL,
            started_at INTEGER NOT NULL, run_seconds REAL NOT NULL, rows_scanned INTEGER NOT NULL,
            rows_written INTEGER NOT NULL, seconds REAL NOT NULL, error TEXT, PRIMARY KEY (run, view));
        CREATE INDEX IF NOT EXISTS materialization_runs_by_view ON materialization_runs (view, run);
        """

    /// Records `run` (one row per view) and prunes its views to the last `keep` runs each, in one
    /// transaction.
    ///
    /// - Returns: the run's id.
    @discardableResult
    public func recordRun(_ run: MaterializationRun, keep: Int = Registry.runsKeptPerView) throws -> Int64 {
        try storage {
            try database.transaction {
                let id = (try database.scalarInt("SELECT max(run) FROM materialization_runs") ?? 0) + 1
                let insert = try database.prepare(
                    """
                    INSERT INTO materialization_runs (run, view, mode, trigger, started_at, run_seconds,
                        rows_scanned, rows_written, seconds, error)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                let prune = try database.prepare(
                    """
                    DELETE FROM materialization_runs WHERE view = ?1 AND run <= (
                        SELECT run FROM materialization_runs WHERE view = ?1 ORDER BY run DESC LIMIT 1 OFFSET ?2)
                    """)
                for view in run.views {
                    try insert.run([
                        .integer(id), .text(view.view), .text(run.mode.rawValue), .text(run.trigger.rawValue),
                        .integer(run.startedAt.microseconds), .real(run.seconds), .integer(Int64(view.rowsScanned)),
                        .integer(Int64(view.rowsWritten)), .real(view.seconds), run.error.map { .text($0) } ?? .null,
                    ])
                    try prune.run([.text(view.view), .integer(Int64(max(keep, 1)))])
                }
                return id
            }
        }
    }

    /// The newest runs first: the last `limit` runs, or the last `limit` runs of `view`.
    public func runs(view: String? = nil, limit: Int) throws -> [MaterializationRun] {
        try storage {
            let chosen =
                view == nil
                ? "SELECT DISTINCT run FROM materialization_runs ORDER BY run DESC LIMIT ?1"
                : "SELECT run FROM materialization_runs WHERE view = ?2 ORDER BY run DESC LIMIT ?1"
            let statement = try database.prepare(
                """
                SELECT run, view, mode, trigger, started_at, run_seconds, rows_scanned, rows_written, seconds, error
                FROM materialization_runs WHERE run IN (\(chosen)) ORDER BY run DESC, view
                """)
            try statement.bind([.integer(Int64(max(limit, 0)))] + (view.map { [.text($0)] } ?? []))
            var runs: [MaterializationRun] = []
            while try statement.step() {
                MaterializationRun.collect(
                    into: &runs, id: statement.int64(0), mode: statement.text(2), trigger: statement.text(3),
                    startedAt: Timestamp(microseconds: statement.int64(4)), runSeconds: statement.double(5),
                    view: MaterializationRun.ViewRun(
                        view: statement.text(1), rowsScanned: Int(statement.int64(6)),
                        rowsWritten: Int(statement.int64(7)), seconds: statement.double(8)),
                    error: statement.isNull(9) ? nil : statement.text(9))
            }
            return runs
        }
    }
}
