import Synchronization

/// The outcome of the latest check of the stores, so that `/health` answers at once, never waiting
/// for store work: the registry watcher checks the stores once a second on the registry lane and
/// records the outcome here.
///
/// Unhealthy when the latest check failed, or when a check has been running longer than
/// ``deadline`` (a store that does not answer).
public final class StoreHealth: Sendable {
    /// How long a check may run before the stores count as not answering (5 s).
    public let deadline: Duration

    public enum Status: Sendable, Equatable {
        case healthy
        /// The latest check failed with this error.
        case failing(String)
        /// A check has been running this long.
        case notAnswering(Duration)
    }

    private struct State {
        var checkStarted: ContinuousClock.Instant?
        var failure: String?
    }

    private let state = Mutex(State())

    public init(deadline: Duration = .seconds(5)) { self.deadline = deadline }

    /// Marks the start of a check.
    func begin() { state.withLock { $0.checkStarted = .now } }

    /// Records the outcome of the check begun last: `nil` for a success, else the error.
    func end(failure: String?) {
        state.withLock {
            $0.checkStarted = nil
            $0.failure = failure
        }
    }

    /// The status now.
    public var status: Status {
        state.withLock { state in
            if let started = state.checkStarted, ContinuousClock.now - started > deadline {
                return .notAnswering(ContinuousClock.now - started)
            }
            if let failure = state.failure { return .failing(failure) }
            return .healthy
        }
    }
}
