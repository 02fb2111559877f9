import Synchronization

/// The open connections of one server, for the connection limit and its metric.
final class ConnectionCounter: Sendable {
    private let open = Atomic<Int>(0)
    /// When the last warning about refused connections was logged (seconds of the monotonic clock).
    private let lastWarning = Atomic<Int64>(Int64.min)

    /// Counts a new connection; returns how many are open with it.
    func opened() -> Int { open.add(1, ordering: .relaxed).newValue }

    /// Counts a closed connection; returns how many stay open.
    func closed() -> Int { open.subtract(1, ordering: .relaxed).newValue }

    var count: Int { open.load(ordering: .relaxed) }

    /// Whether to log a refusal now: at most once a minute, so a flood cannot flood the log.
    func shouldWarn() -> Bool {
        let now = Self.origin.duration(to: .now).components.seconds
        let last = lastWarning.load(ordering: .relaxed)
        guard last == Int64.min || now - last >= 60 else { return false }
        return lastWarning.compareExchange(expected: last, desired: now, ordering: .relaxed).exchanged
    }

    private static let origin = ContinuousClock.now
}
