import FeatureStoreCore
import PostgresClient

extension PostgresRegistry {
    /// The SQLite registry's tables, in PostgreSQL types (times are microseconds since the epoch,
    /// as there).
    var schemaStatements: [String] {
        [
            "CREATE SCHEMA IF NOT EXISTS \(schema)",
            "CREATE TABLE IF NOT EXISTS \(schema).registry_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            """
            CREATE TABLE IF NOT EXISTS \(schema).registry_objects (
                kind TEXT NOT NULL, name TEXT NOT NULL, version BIGINT NOT NULL, generation BIGINT NOT NULL,
                spec TEXT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (kind, name))
            """,
            """
            CREATE TABLE IF NOT EXISTS \(schema).registry_history (
                version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL, summary TEXT NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS \(schema).materialization_watermarks (
                view TEXT NOT NULL, generation BIGINT NOT NULL, watermark BIGINT NOT NULL,
                arrival BIGINT NOT NULL DEFAULT 0, updated_at BIGINT NOT NULL, PRIMARY KEY (view, generation))
            """,
            """
            CREATE TABLE IF NOT EXISTS \(schema).materialization_runs (
                run BIGINT NOT NULL, view TEXT NOT NULL, mode TEXT NOT NULL, trigger TEXT NOT NULL,
                started_at BIGINT NOT NULL, run_seconds DOUBLE PRECISION NOT NULL, rows_scanned BIGINT NOT NULL,
                rows_written BIGINT NOT NULL, seconds DOUBLE PRECISION NOT NULL, error TEXT, PRIMARY KEY (run, view))
            """,
            """
            CREATE INDEX IF NOT EXISTS materialization_runs_by_view
            ON \(schema).materialization_runs (view, run)
            """,
        ]
    }

    /// Creates what is missing, under the apply lock; a no-op (one read) once the tables exist.
    func createSchema() throws {
        let exists =
            try session.query(
                "SELECT to_regclass($1) IS NOT NULL", [.text("\(schema).materialization_runs")]
            ).first?.bool(0) ?? false
        if exists { return }
        do {
            try locked(.apply) { transaction in
                for statement in schemaStatements { try transaction.query(statement) }
            }
        } catch let error as FeatureStoreError {
            throw FeatureStoreError(
                error.code,
                "cannot create the registry tables in schema \(settings.schema) of \(settings.displayDSN) (fs creates them on first use, so user '\(settings.user)' needs the CREATE privilege there, or an administrator creates them): \(error.message)"
            )
        }
    }
}
