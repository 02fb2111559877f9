import Foundation

/// Runs `body` on a thread of its own and resumes the caller with its result.
///
/// For the blocking calls of the end-to-end tests (a read to the end of a pipe, a read of the next
/// chunk): made on a cooperative-pool thread, they would hold one of its few threads (two on a
/// two-core machine) for as long as they wait and hold up every other async test in the process.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}
