import Foundation

/// Runs blocking `body` (a synchronous PostgreSQL call, a child's exit) on a thread of its own and
/// awaits its result, so no thread of the cooperative pool (two here) waits on it.
///
/// `body` runs in the calling task (on ``OwnThreadExecutor``), so an expectation that fails in it
/// is recorded against the test that ran it; on a bare `Thread` it would be recorded against no
/// test («unknown»): still a failed run, but not saying which test failed.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withTaskExecutorPreference(OwnThreadExecutor.shared) { try body() }
}

/// A task executor that runs each job on a new thread: a task that prefers it runs its
/// synchronous, blocking parts off the cooperative pool, beside any other such task.
public final class OwnThreadExecutor: TaskExecutor {
    public static let shared = OwnThreadExecutor()

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        Thread { job.runSynchronously(on: self.asUnownedTaskExecutor()) }.start()
    }
}

/// ``withPostgresServer(_:)`` with `body` run off the cooperative pool (on ``OwnThreadExecutor``,
/// in the test's own task): its synchronous store calls, and what follows each of its awaits,
/// run on threads of their own, so a test watching a server (polling, then acting at the right
/// moment) is not held up by a pool busy with other tests.
public func withPostgresServerOffPool<T>(_ body: (PostgresServerProcess) async throws -> T) async throws -> T {
    try await withTaskExecutorPreference(OwnThreadExecutor.shared) { try await withPostgresServer(body) }
}
