import Foundation
import Synchronization

/// The end of a started process, awaitable: `Process.terminationHandler` (set before the process
/// runs, so the end cannot be missed) resumes whoever waits, with no thread blocked meanwhile.
final class ProcessExit: Sendable {
    private struct State {
        var ended = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Called once, from the termination handler.
    func end() {
        let waiters = state.withLock { state in
            state.ended = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the process has ended (at once if it already has).
    func wait() async {
        await withCheckedContinuation { continuation in
            let ended = state.withLock { state in
                if !state.ended { state.waiters.append(continuation) }
                return state.ended
            }
            if ended { continuation.resume() }
        }
    }
}
