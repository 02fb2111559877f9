import FeatureRegistry
import FeatureStoreCore
import PostgresClient

/// The registry of applied definitions in PostgreSQL, shared by every machine that points
/// `registry: {type: postgres, ...}` at the same database: the same tables and semantics as the
/// SQLite ``Registry``, in one schema.
///
/// Applies (and run records) are transactions that first take a transaction-scoped advisory lock
/// (`pg_advisory_xact_lock`) named after the schema, so two applies from different machines run
/// one after the other: the second waits, then plans against what the first committed. Reads of a
/// whole snapshot run in one REPEATABLE READ transaction, so they never see half an apply.
///
/// Synchronous, like the rest of fs: see ``PostgresSession`` (postgres-nio's futures, waited for
/// on the caller's thread, nothing on the cooperative pool).
public final class PostgresRegistry: RegistryStore, Sendable {
    public let settings: PostgresSettings
    let session: PostgresSession
    /// How long an apply waits for another one before giving up with `locked`.
    public let lockTimeout: Duration
    /// `"fs"."registry_objects"` and friends: the schema, quoted.
    let schema: String

    public var location: String { settings.location }

    /// Connects and creates the schema and its tables when missing (under the apply lock, so two
    /// first uses at once do not race).
    ///
    /// - Parameter password: the password itself (from `password_env`); never shown.
    public init(settings: PostgresSettings, password: String?, lockTimeout: Duration = .seconds(30)) throws {
        guard PostgresSettings.isSchemaName(settings.schema) else {
            throw FeatureStoreError.invalidArgument(
                "schema '\(settings.schema)' of the PostgreSQL registry must be a lower-case name of letters, digits and '_' (at most 63 bytes, not starting with a digit)"
            )
        }
        self.settings = settings
        self.lockTimeout = lockTimeout
        session = PostgresSession(settings: settings, password: password)
        schema = "\"\(settings.schema)\""
        try createSchema()
    }

    /// Opens the registry with the password from `password_env` in `environment`.
    public convenience init(settings: PostgresSettings, environment: [String: String]) throws {
        try self.init(settings: settings, password: try settings.password(environment: environment, field: "registry"))
    }

    /// Closes the connection (a later call opens a new one).
    public func close() { session.close() }

    /// One indexed read (no transaction around it), cheap enough to poll.
    public func version() throws -> Int64 {
        let rows = try session.query(versionQuery)
        guard let row = rows.first, !row.isNull(0) else { return 0 }
        return try row.int64(0)
    }

    private var versionQuery: String {
        "SELECT CAST(value AS BIGINT) FROM \(schema).registry_meta WHERE key = 'version'"
    }

    public func snapshot() throws -> RegistrySnapshot {
        try session.transaction(.readOnlySnapshot) { try readSnapshot($0) }
    }

    func readVersion(_ transaction: PostgresTransaction) throws -> Int64 {
        try transaction.scalarInt(versionQuery) ?? 0
    }

    func readSnapshot(_ transaction: PostgresTransaction) throws -> RegistrySnapshot {
        let project = try transaction.query("SELECT value FROM \(schema).registry_meta WHERE key = 'project'")
            .first?.text(0)
        let version = try readVersion(transaction)
        var builder = RegistrySnapshotBuilder()
        // Byte order, as SQLite sorts, whatever the database's collation.
        let rows = try transaction.query(
            """
            SELECT kind, name, version, generation, spec, updated_at FROM \(schema).registry_objects
            ORDER BY kind COLLATE "C", name COLLATE "C"
            """)
        for row in rows {
            try builder.add(
                kind: row.text(0), name: row.text(1),
                record: ObjectRecord(
                    version: row.int64(2), generation: row.int64(3),
                    updatedAt: Timestamp(microseconds: row.int64(5))),
                spec: row.text(4))
        }
        var snapshot = builder.snapshot(project: project, version: version)
        for row in try transaction.query(
            "SELECT key, value FROM \(schema).registry_meta WHERE starts_with(key, $1)",
            [.text(RegistrySnapshot.retiredKeyPrefix)])
        {
            snapshot.addRetired(key: try row.text(0), value: try row.text(1))
        }
        return snapshot
    }

    /// Runs `body` in a transaction holding the advisory lock `key`, waiting at most
    /// ``lockTimeout`` for it.
    func locked<T>(_ key: AdvisoryLockKey, _ body: (PostgresTransaction) throws -> T) throws -> T {
        do {
            return try session.transaction { transaction in
                let milliseconds = Int64((lockTimeout / .milliseconds(1)).rounded(.up))
                try transaction.query("SELECT set_config('lock_timeout', $1, true)", [.text("\(milliseconds)ms")])
                try transaction.query(
                    "SELECT pg_advisory_xact_lock($1)", [.integer(key.value(schema: settings.schema))])
                return try body(transaction)
            }
        } catch let error as FeatureStoreError where error.code == .locked {
            throw FeatureStoreError(
                .locked,
                "the registry at \(location) is locked by another fs process (\(key.holder)) for longer than \(lockTimeout); try again when it finishes"
            )
        }
    }
}

/// The advisory locks of one registry schema: a stable 64-bit FNV-1a hash of a name and the schema
/// (Swift's `hashValue` differs between processes, so it cannot name a lock).
enum AdvisoryLockKey: String {
    case apply = "fs registry apply"
    case runs = "fs registry runs"

    var holder: String {
        switch self {
        case .apply: "an apply"
        case .runs: "recording a materialization run"
        }
    }

    func value(schema: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(rawValue) \(schema)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }
}
