import Foundation

/// Crash points for tests that kill fs halfway through a write.
///
/// Set `FS_FAULT_INJECTION` to a point's name and the process stops there: `apply-before-commit`
/// exits at once, as if killed (nothing after it runs, not even a rollback);
/// `materialize-after-batch` pauses so a test can kill it with SIGKILL.
enum FaultInjection: String {
    case applyBeforeCommit = "apply-before-commit"
    /// Pauses (for a test to SIGKILL the process) after the first materialized batch.
    case materializeAfterBatch = "materialize-after-batch"

    static func trigger(_ point: FaultInjection) throws {
        guard ProcessInfo.processInfo.environment["FS_FAULT_INJECTION"] == point.rawValue else { return }
        switch point {
        case .applyBeforeCommit:
            FileHandle.standardError.write(Data("fault injection: exiting at \(point.rawValue)\n".utf8))
            _exit(137)
        case .materializeAfterBatch:
            FileHandle.standardError.write(Data("fault injection: paused at \(point.rawValue)\n".utf8))
            sleep(600)
        }
    }
}
