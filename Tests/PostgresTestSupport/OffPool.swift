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
