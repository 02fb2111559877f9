import Foundation
import Synchronization

/// How many `fs` commands the async ``FSRunner/run(_:environment:in:)`` runs at once: one per
/// core. Without a bound every end-to-end test starts its commands together (a dozen CPU-bound
/// processes on two cores), and the timing-sensitive tests of the other targets that share the
/// machine (a 10 s SQLite busy timeout) miss their window. Waiting for a slot is awaiting, not
/// blocking: no thread is held meanwhile.
final class ProcessSlots: Sendable {
    static let shared = ProcessSlots(count: max(1, ProcessInfo.processInfo.activeProcessorCount))

    private struct State {
        var free: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    init(count: Int) { state = Mutex(State(free: count)) }

    /// Runs `body` once a slot is free, and frees it after.
    func withSlot<T>(_ body: () async throws -> T) async rethrows -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { continuation in
            let granted = state.withLock { state in
                guard state.free > 0 else {
                    state.waiters.append(continuation)
                    return false
                }
                state.free -= 1
                return true
            }
            if granted { continuation.resume() }
        }
    }

    /// Hands the slot to the first waiter, or frees it.
    private func release() {
        let next: CheckedContinuation<Void, Never>? = state.withLock { state in
            if state.waiters.isEmpty {
                state.free += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
