import FeatureStoreCore
import PostgresClient
import PostgresTestSupport
import Testing

/// The synchronous PostgreSQL client: values round-trip exactly, transactions commit or roll back
/// whole, and connection problems are clear errors that never show the password.
@Suite struct PostgresSessionTests {
    @Test func valuesRoundTripExactly() async throws {
        try await withPostgresServer { server in
            let session = PostgresSession(settings: server.settings(), password: server.password)
            defer { session.close() }
            try session.query("CREATE TABLE t (i BIGINT, r DOUBLE PRECISION, s TEXT)")
            let values: [(Int64?, Double?, String?)] = [
                (Int64.min, -.infinity, ""), (Int64.max, .infinity, "ünïcødé 🚀 'quoted' \"double\" \\"),
                (0, -0.0, "line\nbreak\ttab"), (nil, nil, nil), (-1, .greatestFiniteMagnitude, "$1"),
                (1, .leastNonzeroMagnitude, "NULL"),
            ]
            for (index, value) in values.enumerated() {
                try session.query(
                    "INSERT INTO t VALUES ($1, $2, $3)",
                    [
                        value.0.map { .integer($0) } ?? .null, value.1.map { .real($0) } ?? .null,
                        value.2.map { .text($0) } ?? .null,
                    ])
                let row = try #require(
                    try session.query("SELECT i, r, s FROM t WHERE ctid = (SELECT max(ctid) FROM t)").first)
                #expect(row.isNull(0) == (value.0 == nil), "row \(index)")
                if let int = value.0 { #expect(try row.int64(0) == int) }
                if let real = value.1 {
                    #expect(try row.double(1) == real)
                    #expect(try row.double(1).sign == real.sign)
                }
                #expect(try row.optionalText(2) == value.2)
            }
            try session.query("INSERT INTO t (r) VALUES ($1)", [.real(.nan)])
            let nan = try #require(try session.query("SELECT r FROM t WHERE r = 'NaN'").first)
            #expect(try nan.double(0).isNaN)
        }
    }

    @Test func aTransactionCommitsWholeOrNotAtAll() async throws {
        struct Boom: Error {}
        try await withPostgresServer { server in
            let session = PostgresSession(settings: server.settings(), password: server.password)
            defer { session.close() }
            try session.query("CREATE TABLE t (i BIGINT PRIMARY KEY)")
            #expect(throws: Boom.self) {
                try session.transaction { transaction in
                    try transaction.query("INSERT INTO t VALUES (1)")
                    throw Boom()
                }
            }
            // A failing statement rolls back the statements before it.
            #expect(throws: FeatureStoreError.self) {
                try session.transaction { transaction in
                    try transaction.query("INSERT INTO t VALUES (2)")
                    try transaction.query("INSERT INTO t VALUES (2)")
                }
            }
            let count = try #require(try session.query("SELECT count(*) FROM t").first)
            #expect(try count.int64(0) == 0)
            try session.transaction { try $0.query("INSERT INTO t VALUES (3)") }
            #expect(try session.query("SELECT i FROM t").map { try $0.int64(0) } == [3])
        }
    }

    @Test func serverErrorsCarryTheirSQLStateAndMessage() async throws {
        try await withPostgresServer { server in
            let session = PostgresSession(settings: server.settings(), password: server.password)
            defer { session.close() }
            let error = #expect(throws: FeatureStoreError.self) { try session.query("SELECT * FROM missing_table") }
            #expect(error?.code == .storage)
            #expect(error?.message.contains("relation \"missing_table\" does not exist (SQLSTATE 42P01)") == true)
            #expect(error?.message.contains(server.settings().displayDSN) == true)
            // The session is still usable after an error.
            let row = try #require(try session.query("SELECT 41 + 1").first)
            #expect(try row.int64(0) == 42)
        }
    }

    /// A server that is down is `unavailable` (HTTP 503), naming where, on connecting and on a
    /// connection the server dropped; the next call after a restart reconnects by itself.
    @Test func aServerThatIsDownIsUnavailableAndTheSessionRecovers() async throws {
        try await withPostgresServer { server in
            let session = PostgresSession(settings: server.settings(), password: server.password)
            defer { session.close() }
            try session.query("SELECT 1")
            server.shutDown()
            let lost = #expect(throws: FeatureStoreError.self) { try session.query("SELECT 1") }
            #expect(lost?.code == .unavailable)
            #expect(lost?.message.contains(server.settings().displayDSN) == true)
            let down = #expect(throws: FeatureStoreError.self) { try session.query("SELECT 1") }
            #expect(down?.code == .unavailable)
            #expect(down?.message.contains("cannot connect to PostgreSQL at \(server.settings().displayDSN)") == true)
            try await server.start()
            let row = try #require(try session.query("SELECT 41 + 1").first)
            #expect(try row.int64(0) == 42)
        }
    }

    /// `statement_timeout` of the DSN bounds every statement; the error says how to raise it.
    @Test func aStatementRunningLongerThanTheTimeoutIsCancelledWithAClearMessage() async throws {
        try await withPostgresServer { server in
            var settings = server.settings()
            settings.statementTimeoutSeconds = 1
            let session = PostgresSession(settings: settings, password: server.password)
            defer { session.close() }
            let error = #expect(throws: FeatureStoreError.self) { try session.query("SELECT pg_sleep(5)") }
            #expect(error?.message.contains("SQLSTATE 57014") == true, "\(String(describing: error))")
            #expect(error?.message.contains("statement_timeout=SECONDS") == true)
            // The session goes on.
            let rows = try session.query("SELECT 1")
            #expect(rows.count == 1)
        }
    }

    @Test func aWrongOrMissingPasswordIsRefusedWithoutShowingIt() async throws {
        try await withPostgresServer { server in
            let wrong = "not-the-password-\(server.password.prefix(6))"
            let session = PostgresSession(settings: server.settings(), password: wrong)
            let error = #expect(throws: FeatureStoreError.self) { try session.query("SELECT 1") }
            #expect(error?.message.contains("password authentication failed for user \"fs\"") == true)
            #expect(error?.message.contains(wrong) == false)
            #expect(error?.message.contains(server.password) == false)
            let none = PostgresSession(settings: server.settings(), password: nil)
            let missing = #expect(throws: FeatureStoreError.self) { try none.query("SELECT 1") }
            #expect(missing?.message.contains("asks for a password") == true)
            #expect(missing?.message.contains(PostgresServerProcess.passwordEnv) == true)
        }
    }

    @Test func nothingListeningIsAClearError() async throws {
        let port: Int = try await withPostgresServer { server in server.port }
        // The cluster is stopped and deleted now: nothing listens on its port.
        let session = PostgresSession(
            settings: PostgresSettings(host: "127.0.0.1", port: port, user: "fs", database: "postgres"), password: nil)
        let error = #expect(throws: FeatureStoreError.self) { try session.query("SELECT 1") }
        #expect(
            error?.message.contains("cannot connect to PostgreSQL at postgresql://fs@127.0.0.1:\(port)/postgres")
                == true)
        #expect(error?.message.contains("is the server running") == true)
    }
}
