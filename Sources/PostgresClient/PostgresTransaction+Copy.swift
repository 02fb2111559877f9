import Dispatch
import FeatureStoreCore
import Foundation
import NIOCore
import PostgresNIO

extension PostgresTransaction {
    /// Streams `data` (PostgreSQL's COPY text format: tab-separated fields, `\N` for NULL, one
    /// line per row) into `columns` of `table` with `COPY ... FROM STDIN`, in this transaction.
    ///
    /// postgres-nio offers COPY only as an `async` function: it runs in a task while this
    /// thread waits (the task only writes to the connection's channel; never call this from the
    /// cooperative pool or an event loop).
    ///
    /// - Parameter table: the table's name, unqualified (COPY quotes it whole: set `search_path`).
    public func copyFrom(table: String, columns: [String], data: [UInt8]) throws {
        let connection = self.connection
        let logger = session.logger
        let done = DispatchSemaphore(value: 0)
        let outcome = CopyOutcome()
        Task {
            do {
                try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
                    var start = 0
                    let slice = 1 << 20
                    while start < data.count {
                        let end = min(start + slice, data.count)
                        try await writer.write(ByteBuffer(bytes: data[start..<end]))
                        start = end
                    }
                }
                outcome.set(nil)
            } catch {
                outcome.set(error)
            }
            done.signal()
        }
        done.wait()
        if let error = outcome.error { throw PostgresErrors.statement(error, settings: session.settings) }
    }
}

/// The error of a COPY run in a task, handed to the waiting thread.
private final class CopyOutcome: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: (any Error)?

    func set(_ error: (any Error)?) {
        lock.withLock { stored = error }
    }

    var error: (any Error)? { lock.withLock { stored } }
}
