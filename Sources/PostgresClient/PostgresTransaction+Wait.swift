import Dispatch
import FeatureStoreCore
import Foundation
import NIOCore
import PostgresNIO

extension PostgresTransaction {
    /// How long a connection may have been closed under a statement that has not completed before
    /// the wait gives up: postgres-nio can leave a statement's future pending for ever when the
    /// server goes away at some points of the exchange (seen with a ROLLBACK after a server stop).
    static let closedGrace: Duration = .seconds(1)

    /// Waits for `future` on this thread, and gives up (closing the connection, so the server rolls
    /// back whatever it had open, and the session opens a new one on its next call) when the
    /// connection has been closed for ``closedGrace`` without the future completing, or when
    /// `deadline` passes.
    ///
    /// - Throws: what the future failed with, or `unavailable` naming the server.
    func waitFor<T>(_ future: EventLoopFuture<T>, deadline: ContinuousClock.Instant? = nil) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let outcome = FutureOutcome<T>()
        future.whenComplete { result in
            outcome.set(result)
            done.signal()
        }
        var closedSince: ContinuousClock.Instant?
        while done.wait(timeout: .now() + .milliseconds(100)) == .timedOut {
            let now = ContinuousClock.now
            if let deadline, now >= deadline {
                abandon()
                throw FeatureStoreError(
                    .unavailable,
                    "PostgreSQL at \(session.settings.displayDSN) did not answer in time; the connection was closed (the next call reconnects)"
                )
            }
            guard connection.isClosed else {
                closedSince = nil
                continue
            }
            let since = closedSince ?? now
            closedSince = since
            if now - since > Self.closedGrace {
                throw FeatureStoreError(
                    .unavailable,
                    "lost the connection to PostgreSQL at \(session.settings.displayDSN); the statement did not complete and nothing of its transaction was committed (the next call reconnects)"
                )
            }
        }
        return try outcome.get()
    }

    /// Rolls back the open transaction after a failure, waiting at most 5 s; a connection that is
    /// closed or does not answer is closed instead (the server rolls back when it goes).
    func rollBack() {
        guard !connection.isClosed else { return }
        let rollback = connection.query(PostgresQuery(unsafeSQL: "ROLLBACK"), logger: session.logger)
        do {
            _ = try waitFor(rollback, deadline: .now + .seconds(5))
        } catch {
            abandon()
        }
    }

    /// Closes the connection, waiting at most 2 s.
    func abandon() {
        let closed = DispatchSemaphore(value: 0)
        connection.close().whenComplete { _ in closed.signal() }
        _ = closed.wait(timeout: .now() + .seconds(2))
    }
}

/// A future's result, handed from the event loop to the waiting thread.
private final class FutureOutcome<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<T, any Error>?

    func set(_ result: Result<T, any Error>) { lock.withLock { self.result = result } }

    func get() throws -> T {
        guard let result = lock.withLock({ result }) else {
            throw FeatureStoreError.storage("a PostgreSQL statement ended without a result")
        }
        return try result.get()
    }
}
