import FeatureStoreCore
import NIOCore
import PostgresNIO

/// A statement sent without waiting: its rows arrive, and are unpacked on SwiftNIO's event loop,
/// while the caller works on something else (the previous batch of a cursor); ``wait()`` takes
/// them. Statements on a connection run in the order they were sent.
public struct PendingRows {
    let future: EventLoopFuture<[PostgresResultRow]>
    let transaction: PostgresTransaction

    /// The rows, once they have all arrived.
    public func wait() throws -> [PostgresResultRow] {
        do {
            return try transaction.waitFor(future)
        } catch {
            throw PostgresErrors.statement(error, settings: transaction.session.settings)
        }
    }
}

extension PostgresTransaction {
    /// Sends one statement and returns at once; ``PendingRows/wait()`` gives its rows.
    public func send(_ sql: String, _ values: [PostgresValue] = []) -> PendingRows {
        let query = PostgresQuery(unsafeSQL: sql, binds: PostgresBindings(values))
        let rows = connection.query(query, logger: session.logger).map { result in
            result.map { PostgresResultRow(cells: Array($0)) }
        }
        return PendingRows(future: rows, transaction: self)
    }
}
