import Foundation

/// Tries `attempt` until it answers true, pausing `pause` between tries, and gives up only after a
/// try that *began* after `timeout` has failed.
///
/// Why not simply compare the clock after each try: in the full test run other suites can hold the
/// cooperative pool (two threads here) for minutes, so a try that began at once (before the server
/// listened) may only deliver its failure long after the deadline. Judging by when the try began
/// means the last try always saw the server as it is at the deadline or later.
public func eventually(
    timeout: Duration, pause: Duration = .milliseconds(50), _ attempt: () async throws -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while true {
        let began = ContinuousClock.now
        if try await attempt() { return true }
        if began >= deadline { return false }
        try await Task.sleep(for: pause)
    }
}

/// A test harness could not set up what a test needs (a server that does not start, a tool
/// that is missing).
public struct HarnessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
