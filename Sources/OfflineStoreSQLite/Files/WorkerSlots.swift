import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Result slots for `DispatchQueue.concurrentPerform` workers, each slot written by one worker.
final class WorkerSlots<Value>: @unchecked Sendable {
    private var slots: [Value?]
    private var mutex = pthread_mutex_t()

    init(count: Int) {
        slots = Array(repeating: nil, count: count)
        pthread_mutex_init(&mutex, nil)
    }

    deinit { pthread_mutex_destroy(&mutex) }

    func store(_ value: Value, at index: Int) {
        pthread_mutex_lock(&mutex)
        slots[index] = value
        pthread_mutex_unlock(&mutex)
    }

    /// The value a worker stored (call after `concurrentPerform` returns).
    func take(_ index: Int) -> Value {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return slots[index]!
    }
}

/// Hands read-only state that is not `Sendable` (buffers, readers) to worker threads; the caller
/// keeps it alive and unchanged until they finish.
struct UncheckedShared<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
