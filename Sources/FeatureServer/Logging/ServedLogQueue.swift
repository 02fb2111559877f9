import Synchronization

/// The bounded hand-over between lookups and the log writer, counted in rows.
///
/// ``offer(_:)`` never waits: an entry that does not fit (the queue holds `capacity` rows) or
/// arrives after the writer stopped is dropped whole and its rows are counted per service.
/// ``take(maxRows:)`` hands out the oldest rows, at most `maxRows`, splitting an entry when it has
/// to, so batches have exact boundaries.
final class ServedLogQueue: Sendable {
    struct Drop: Equatable {
        var service: String
        var rows: Int
    }

    private struct State {
        var entries: [ServedLogEntry] = []
        var head = 0
        var rows = 0
        var closed = false
        var dropped: [String: Int] = [:]
    }

    let capacity: Int
    private let state = Mutex(State())
    /// Called (outside the lock) with each dropped entry's service and rows.
    private let onDrop: @Sendable (Drop) -> Void

    init(capacity: Int, onDrop: @escaping @Sendable (Drop) -> Void = { _ in }) {
        self.capacity = capacity
        self.onDrop = onDrop
    }

    /// Queues `entry`, or drops it when it does not fit or the queue is closed.
    ///
    /// - Returns: whether it was queued.
    @discardableResult
    func offer(_ entry: ServedLogEntry) -> Bool {
        let count = entry.rows.count
        if count == 0 { return true }
        let queued = state.withLock { state in
            if state.closed || count > capacity - state.rows {
                state.dropped[entry.service, default: 0] += count
                return false
            }
            state.entries.append(entry)
            state.rows += count
            return true
        }
        if !queued { onDrop(Drop(service: entry.service, rows: count)) }
        return queued
    }

    /// Counts `rows` rows of `service` as dropped without queueing anything (a lookup the log
    /// cannot represent).
    func drop(service: String, rows: Int) {
        guard rows > 0 else { return }
        state.withLock { $0.dropped[service, default: 0] += rows }
        onDrop(Drop(service: service, rows: rows))
    }

    /// The oldest queued rows, at most `maxRows`, as entries (the last one possibly split).
    func take(maxRows: Int) -> [ServedLogEntry] {
        state.withLock { state in
            var taken: [ServedLogEntry] = []
            var remaining = maxRows
            while remaining > 0, state.head < state.entries.count {
                let entry = state.entries[state.head]
                if entry.rows.count <= remaining {
                    taken.append(entry)
                    remaining -= entry.rows.count
                    state.rows -= entry.rows.count
                    state.head += 1
                } else {
                    let (head, tail) = entry.split(at: remaining)
                    taken.append(head)
                    state.entries[state.head] = tail
                    state.rows -= remaining
                    remaining = 0
                }
            }
            if state.head > 1024 || state.head == state.entries.count {
                state.entries.removeFirst(state.head)
                state.head = 0
            }
            return taken
        }
    }

    /// The rows queued now.
    var pendingRows: Int { state.withLock { $0.rows } }

    /// Rows dropped so far, per service.
    var dropped: [String: Int] { state.withLock { $0.dropped } }

    /// Refuses every later offer (counted as dropped): the writer has stopped.
    func close() { state.withLock { $0.closed = true } }
}
