import Foundation
import Synchronization

/// Two pieces of work at once: one on the calling thread (which may hold a database connection and
/// state that is not `Sendable`), the other on a thread of its own.
enum Concurrently {
    /// Runs `here` on the calling thread while `there` runs on another; waits for both.
    ///
    /// - Returns: what `there` returned.
    /// - Throws: the error of `here`, else that of `there`.
    static func run<T: Sendable>(_ here: () throws -> Void, there: @escaping @Sendable () throws -> T) throws -> T {
        let outcome = Outcome<T>()
        let thread = Thread { outcome.finish(Result { try there() }) }
        thread.start()
        let local = Result { try here() }
        let remote = outcome.wait()
        try local.get()
        return try remote.get()
    }

    private final class Outcome<T: Sendable>: Sendable {
        private let result = Mutex<Result<T, any Error>?>(nil)
        private let done = DispatchSemaphore(value: 0)

        func finish(_ value: Result<T, any Error>) {
            result.withLock { $0 = value }
            done.signal()
        }

        func wait() -> Result<T, any Error> {
            done.wait()
            return result.withLock { $0! }
        }
    }
}
