/// A lock held across suspension points, for one flush at a time.
actor AsyncLock {
    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func withLock<T: Sendable>(_ body: @Sendable () async -> T) async -> T {
        if held {
            await withCheckedContinuation { waiters.append($0) }
        } else {
            held = true
        }
        let result = await body()
        if waiters.isEmpty {
            held = false
        } else {
            waiters.removeFirst().resume()
        }
        return result
    }
}
