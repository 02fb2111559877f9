import Foundation

/// Crash points for tests that kill fs halfway through a write.
///
/// Set `FS_FAULT_INJECTION` to a point's name (`apply-before-commit`) and the process exits at once
/// when it reaches it, as if killed: nothing after that point runs, not even a rollback.
enum FaultInjection: String {
    case applyBeforeCommit = "apply-before-commit"

    static func trigger(_ point: FaultInjection) throws {
        guard ProcessInfo.processInfo.environment["FS_FAULT_INJECTION"] == point.rawValue else { return }
        FileHandle.standardError.write(Data("fault injection: exiting at \(point.rawValue)\n".utf8))
        _exit(137)
    }
}
