import Dispatch
import Synchronization

/// Runs async work to completion from synchronous code and waits for it: the store lanes, the
/// command line and background queues call the Redis backend's synchronous requirements this way.
///
/// The work runs on a thread of its own (``BlockingWaitExecutor``, a task executor preference),
/// never on Swift's cooperative pool: that pool has one thread per core, and a caller that is
/// itself on it (a synchronous command run from the async `main`, a test) would otherwise wait
/// for work that needs the very thread it holds. The Redis client awaits only NIO futures (no
/// actors), so all of its work follows the preference.
func blockingWait<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
    let outcome = Mutex<Result<T, any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    // The task lets go of `work` (and what it captured: a store, rows) before it signals, so no
    // object the caller shares is released on the executor's thread after the caller moved on
    // (a command line that returns and exits the process meanwhile).
    let pending = Mutex<(@Sendable () async throws -> T)?>(work)
    Task.detached(executorPreference: BlockingWaitExecutor.shared) {
        // `work` is a temporary of this statement: released when it ends.
        let result = await perform(pending.withLock { $0.take() })
        outcome.withLock { $0 = result }
        done.signal()
    }
    done.wait()
    return try outcome.withLock { $0! }.get()
}

private func perform<T>(_ work: (@Sendable () async throws -> T)?) async -> Result<T, any Error> {
    guard let work else { return .failure(CancellationError()) }
    do { return .success(try await work()) } catch { return .failure(error) }
}

/// A task executor on one serial dispatch queue of its own. The work it runs only awaits (NIO
/// futures, sleeps), so one thread serves every waiting caller.
final class BlockingWaitExecutor: TaskExecutor {
    static let shared = BlockingWaitExecutor()
    private let queue = DispatchQueue(label: "fs.blocking-wait")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
