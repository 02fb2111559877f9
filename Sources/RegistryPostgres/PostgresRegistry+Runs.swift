import FeatureRegistry
import FeatureStoreCore
import PostgresClient

extension PostgresRegistry {
    /// Records `run` (one row per view) and prunes its views to the last `keep` runs each, in one
    /// transaction under the runs lock (run ids are the highest so far plus one).
    ///
    /// - Returns: the run's id.
    @discardableResult
    public func recordRun(_ run: MaterializationRun, keep: Int = Registry.runsKeptPerView) throws -> Int64 {
        try locked(.runs) { transaction in
            let id = (try transaction.scalarInt("SELECT max(run) FROM \(schema).materialization_runs") ?? 0) + 1
            for view in run.views {
                try transaction.query(
                    """
                    INSERT INTO \(schema).materialization_runs (run, view, mode, trigger, started_at, run_seconds,
                        rows_scanned, rows_written, seconds, error)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                    """,
                    [
                        .integer(id), .text(view.view), .text(run.mode.rawValue), .text(run.trigger.rawValue),
                        .integer(run.startedAt.microseconds), .real(run.seconds), .integer(Int64(view.rowsScanned)),
                        .integer(Int64(view.rowsWritten)), .real(view.seconds), run.error.map { .text($0) } ?? .null,
                    ])
                try transaction.query(
                    """
                    DELETE FROM \(schema).materialization_runs WHERE view = $1 AND run <= (
                        SELECT run FROM \(schema).materialization_runs WHERE view = $1
                        ORDER BY run DESC LIMIT 1 OFFSET $2)
                    """,
                    [.text(view.view), .integer(Int64(max(keep, 1)))])
            }
            return id
        }
    }

    /// The newest runs first: the last `limit` runs, or the last `limit` runs of `view`.
    public func runs(view: String? = nil, limit: Int) throws -> [MaterializationRun] {
        let chosen =
            view == nil
            ? "SELECT DISTINCT run FROM \(schema).materialization_runs ORDER BY run DESC LIMIT $1"
            : "SELECT run FROM \(schema).materialization_runs WHERE view = $2 ORDER BY run DESC LIMIT $1"
        let rows = try session.query(
            """
            SELECT run, view, mode, trigger, started_at, run_seconds, rows_scanned, rows_written, seconds, error
            FROM \(schema).materialization_runs WHERE run IN (\(chosen)) ORDER BY run DESC, view COLLATE "C"
            """,
            [.integer(Int64(max(limit, 0)))] + (view.map { [.text($0)] } ?? []))
        var runs: [MaterializationRun] = []
        for row in rows {
            MaterializationRun.collect(
                into: &runs, id: try row.int64(0), mode: try row.text(2), trigger: try row.text(3),
                startedAt: Timestamp(microseconds: try row.int64(4)), runSeconds: try row.double(5),
                view: MaterializationRun.ViewRun(
                    view: try row.text(1), rowsScanned: Int(try row.int64(6)), rowsWritten: Int(try row.int64(7)),
                    seconds: try row.double(8)),
                error: try row.optionalText(9))
        }
        return runs
    }
}
