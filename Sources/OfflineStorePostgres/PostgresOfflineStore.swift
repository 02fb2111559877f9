import FeatureStoreCore
import OfflineStoreSQLite
import PostgresClient
import SQLite

/// The offline store in PostgreSQL, shared by every machine that points
/// `offline_store: {type: postgres, ...}` at the same database: the SQLite store's tables and
/// semantics in one schema, reading and checking files, joining and windowing with the same code
/// (``IngestRun``, ``TrainingSetRun``, the ``HistoryReader`` scans); only storing and reading rows
/// are its own.
///
/// - History tables `history_<source>_g<generation>` keyed by (`__event_ts`, `__seq`), created
///   by ``prepare(_:)`` (`fs apply`).
/// - Arrival numbers come from one counter row (`offline_meta.next_sequence`) that an ingest or
///   push moves under its row lock, held to the commit: writers take numbers in commit order, so
///   "arrived after n" never misses a row that commits late (a SEQUENCE would hand numbers out
///   of commit order).
/// - An ingest is one transaction (the rows by `INSERT ... SELECT FROM unnest(...)` with one
///   binary array per column, ``ColumnInserter``; the ingest log row): all of a file or nothing.
/// - `dedupe_on` sources follow the SQLite store's rules row for row (``HistoryWriter``): one
///   event per dedupe values (unique index `<table>__dedupe`), the later created time winning and
///   the later arrival on a tie; replaced versions that moved earlier or to another entity are
///   kept in `<table>__replaced` for materialization to take back; ingest and push report
///   inserted, replaced and duplicate rows as SQLite does.
/// - Reads (training sets, scans) run in one REPEATABLE READ, READ ONLY transaction through a
///   server-side cursor, so they see one committed state and stream rows in batches.
/// - Sources of kind `postgres` are read in place from their table or query, checked and
///   converted by ``PostgresInPlaceSource``, through the same cursor and join code.
/// - Feature profiles and baselines live in tables `profiles`, `profile_marks` and
///   `profile_baselines` (created on the first write), as in the SQLite store; writers of one
///   series take turns on its advisory lock, so concurrent updates never count a row twice.
/// - Served-vector logs (`served_log_<service>`), outcomes and consistency runs are kept as the
///   SQLite store keeps them (``writeServedLog(_:)``, ``writeOutcomes(_:receivedAt:)``,
///   ``saveConsistencyRun(_:)``); a `served_log` source is read in place as a query over its log.
public final class PostgresOfflineStore: OfflineHistoryStore, @unchecked Sendable {
    public let settings: PostgresSettings
    let session: PostgresSession
    /// The schema, quoted.
    let schema: String

    public var location: String { settings.location }
    public var sqlite: OfflineStore? { nil }

    /// Connects and creates the schema and its bookkeeping tables when missing.
    ///
    /// - Parameter password: the password itself (from `password_env`); never shown.
    public init(settings: PostgresSettings, password: String?) throws {
        guard PostgresSettings.isSchemaName(settings.schema) else {
            throw FeatureStoreError.invalidArgument(
                "schema '\(settings.schema)' of the PostgreSQL offline store must be a lower-case name of letters, digits and '_' (at most 63 bytes, not starting with a digit)"
            )
        }
        self.settings = settings
        session = PostgresSession(settings: settings, password: password)
        schema = quoteIdentifier(settings.schema)
        try createSchema()
    }

    /// Opens the store with the password from `password_env` in `environment`.
    public convenience init(settings: PostgresSettings, environment: [String: String]) throws {
        try self.init(
            settings: settings, password: try settings.password(environment: environment, field: "offline_store"))
    }

    /// Closes the connection (a later call opens a new one).
    public func close() { session.close() }

    private func createSchema() throws {
        do {
            try session.transaction { transaction in
                // Serializes first uses from several machines (CREATE ... IF NOT EXISTS races).
                try transaction.query(
                    "SELECT pg_advisory_xact_lock(hashtext($1))", [.text("fs-offline:\(settings.schema)")])
                try transaction.query("CREATE SCHEMA IF NOT EXISTS \(schema)")
                try transaction.query(
                    "CREATE TABLE IF NOT EXISTS \(schema).offline_meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL)")
                try transaction.query(
                    "INSERT INTO \(schema).offline_meta (key, value) VALUES ('next_sequence', 1) ON CONFLICT (key) DO NOTHING"
                )
                try transaction.query(
                    """
                    CREATE TABLE IF NOT EXISTS \(schema).ingest_log (
                        id BIGSERIAL PRIMARY KEY, source TEXT NOT NULL, generation BIGINT NOT NULL, file TEXT NOT NULL,
                        fingerprint TEXT NOT NULL, rows BIGINT NOT NULL, stored BIGINT NOT NULL,
                        ingested_at BIGINT NOT NULL, forced BIGINT NOT NULL)
                    """)
                try transaction.query(
                    "CREATE INDEX IF NOT EXISTS ingest_log_fingerprint ON \(schema).ingest_log (source, generation, fingerprint)"
                )
            }
        } catch let error as FeatureStoreError {
            throw FeatureStoreError(
                error.code,
                "cannot create the offline store's tables in schema \(settings.schema) of \(settings.displayDSN) (fs creates them on first use, so user '\(settings.user)' needs the CREATE privilege there, or an administrator creates them): \(error.message)"
            )
        }
    }

    /// `"schema"."name"`.
    func qualified(_ name: String) -> String { "\(schema).\(quoteIdentifier(name))" }

    /// Runs `body` in a transaction whose unqualified names resolve in the store's schema.
    func write<T>(_ body: (PostgresTransaction) throws -> T) throws -> T {
        try session.transaction { transaction in
            try transaction.query("SET LOCAL search_path TO \(schema)")
            return try body(transaction)
        }
    }

    /// Runs `body` with a reader over one consistent snapshot.
    func read<T>(_ body: (PostgresHistoryReader) throws -> T) throws -> T {
        try session.transaction(.readOnlySnapshot) { transaction in
            try transaction.query("SET LOCAL search_path TO \(schema)")
            return try body(PostgresHistoryReader(transaction: transaction))
        }
    }

    /// The names of the history tables in the schema.
    func tableNames(_ transaction: PostgresTransaction) throws -> Set<String> {
        let rows = try transaction.query(
            "SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename LIKE 'history\\_%'",
            [.text(settings.schema)])
        return Set(try rows.map { try $0.text(0) })
    }

    /// Whether the schema holds table `name`, read from the catalog in the statement's snapshot
    /// (`to_regclass` may answer from this connection's cache, blind to a creation that committed
    /// while the transaction waited for a lock; that deadlocked two first profile updates).
    func tableExists(_ name: String, _ transaction: PostgresTransaction) throws -> Bool {
        try transaction.scalarInt(
            "SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = $1 AND tablename = $2",
            [.text(settings.schema), .text(name)]) == 1
    }
}
