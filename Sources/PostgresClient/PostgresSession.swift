import FeatureStoreCore
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// One connection to PostgreSQL, used synchronously from fs's own threads.
///
/// The rest of fs is synchronous and runs on threads of its own, so this wraps postgres-nio's
/// `EventLoopFuture` interface: every call is sent on a SwiftNIO event loop and the calling thread
/// waits for its future. Nothing runs on Swift's cooperative pool (no `Task`, no `async`), so a
/// waiting caller never holds a pool thread; do not call it from an event loop or an `async`
/// function (the SwiftNIO check for the former traps).
///
/// The connection opens on first use and reopens on the next call after it was lost (a server
/// restart); nothing is retried by itself. Calls are serialized: one statement or transaction at a
/// time.
public final class PostgresSession: @unchecked Sendable {
    public let settings: PostgresSettings
    private let password: String?
    private let lock = NSLock()
    /// Guarded by `lock`.
    private var connection: PostgresConnection?
    private var nextID = 1
    let logger = Logger(label: "fs.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    /// - Parameter password: the password itself (read from `password_env` by the caller); never
    ///   shown in a message.
    public init(settings: PostgresSettings, password: String?) {
        self.settings = settings
        self.password = password
    }

    deinit {
        guard let connection, !connection.isClosed else { return }
        // postgres-nio wants a connection closed before it goes away: the future keeps it alive
        // until then, and the closing is waited for unless this runs on its own event loop.
        let closing: EventLoopFuture<Void> = connection.close()
        closing.whenComplete { _ in withExtendedLifetime(connection) {} }
        if !connection.eventLoop.inEventLoop { _ = try? closing.wait() }
    }

    /// Runs one statement (no `;`-separated lists) and returns its rows.
    @discardableResult
    public func query(_ sql: String, _ values: [PostgresValue] = []) throws -> [PostgresResultRow] {
        try withConnection { try $0.query(sql, values) }
    }

    /// How a transaction reads.
    public enum Isolation: Sendable {
        /// PostgreSQL's default (READ COMMITTED): each statement sees what was committed before it.
        case readCommitted
        /// REPEATABLE READ, READ ONLY: every statement sees the same committed state (a snapshot).
        case readOnlySnapshot
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    @discardableResult
    public func transaction<T>(_ isolation: Isolation = .readCommitted, _ body: (PostgresTransaction) throws -> T)
        throws -> T
    {
        try withConnection { connection in
            switch isolation {
            case .readCommitted: try connection.query("BEGIN")
            case .readOnlySnapshot: try connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            }
            do {
                let result = try body(connection)
                try connection.query("COMMIT")
                return result
            } catch {
                connection.rollBack()
                throw error
            }
        }
    }

    /// Closes the connection (a later call opens a new one).
    public func close() {
        lock.lock()
        defer { lock.unlock() }
        _ = try? connection?.close().wait()
        connection = nil
    }

    private func withConnection<T>(_ body: (PostgresTransaction) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        let open = try connection.flatMap { $0.isClosed ? nil : $0 } ?? connect()
        connection = open
        do {
            return try body(PostgresTransaction(connection: open, session: self))
        } catch {
            if open.isClosed { connection = nil }
            throw error
        }
    }

    private func connect() throws -> PostgresConnection {
        let tls: PostgresConnection.Configuration.TLS
        do {
            switch settings.tlsMode {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
        } catch {
            throw FeatureStoreError.storage("cannot set up TLS for \(settings.displayDSN): \(error)")
        }
        var configuration = PostgresConnection.Configuration(
            host: settings.host, port: settings.port, username: settings.user, password: password,
            database: settings.database, tls: tls)
        configuration.options.connectTimeout = .seconds(Int64(settings.connectTimeoutSeconds))
        configuration.options.additionalStartupParameters = [
            ("statement_timeout", "\(settings.statementTimeoutSeconds)s")
        ]
        nextID += 1
        do {
            return try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: nextID,
                logger: logger
            ).wait()
        } catch {
            throw PostgresErrors.connecting(error, settings: settings)
        }
    }
}

/// The connection inside ``PostgresSession/transaction(_:)`` (or for one statement).
public struct PostgresTransaction {
    let connection: PostgresConnection
    let session: PostgresSession

    /// Runs one statement and returns its rows.
    @discardableResult
    public func query(_ sql: String, _ values: [PostgresValue] = []) throws -> [PostgresResultRow] {
        let query = PostgresQuery(unsafeSQL: sql, binds: PostgresBindings(values))
        do {
            let result = try waitFor(connection.query(query, logger: session.logger))
            return result.map { PostgresResultRow(cells: Array($0)) }
        } catch {
            throw PostgresErrors.statement(error, settings: session.settings)
        }
    }

    /// The first column of the first row as an integer; `nil` for no row or NULL.
    public func scalarInt(_ sql: String, _ values: [PostgresValue] = []) throws -> Int64? {
        guard let row = try query(sql, values).first, !row.isNull(0) else { return nil }
        return try row.int64(0)
    }
}
