import Foundation

/// Runs blocking `body` (a synchronous PostgreSQL call, a child's exit) on a thread of its own and
/// awaits its result, so no thread of the cooperative pool (two here) waits on it.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
