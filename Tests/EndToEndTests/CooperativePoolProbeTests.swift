import Foundation
import Testing

/// A measurement, not a check: how late the cooperative pool resumes an awaiting task during the
/// whole test run. A test that blocks a pool thread (a semaphore, `waitUntilExit`, a blocking
/// read) delays every other async test in the process; this shows by how much.
///
/// Off unless `FS_POOL_PROBE` names a file. The test starts a task that sleeps 100 ms in a loop
/// until the process exits and rewrites that file with the running figures after each wakeup, so
/// the run is not made longer by it: `FS_POOL_PROBE=/tmp/probe.txt swift test`, then read the file.
@Suite struct CooperativePoolProbeTests {
    static let path = ProcessInfo.processInfo.environment["FS_POOL_PROBE"]

    @Test(.enabled(if: path != nil)) func wakeupLateness() {
        guard let path = Self.path else { return }
        let clock = ContinuousClock()
        // The first wakeup counts from here, so a task that waits to start counts as late too.
        let start = clock.now
        Task.detached {
            let pause = Duration.milliseconds(100)
            var before = start - pause
            var wakeups = 0
            var worst = Duration.zero
            var worstAt = Duration.zero
            var overOneSecond = 0
            var total = Duration.zero
            while true {
                if wakeups > 0 { try? await Task.sleep(for: pause) }
                let now = clock.now
                let late = now - before - pause
                wakeups += 1
                total += late
                if late > .seconds(1) { overOneSecond += 1 }
                if late > worst {
                    worst = late
                    worstAt = before + pause - start
                }
                let summary = """
                    elapsed \(now - start), wakeups \(wakeups), mean lateness \(total / wakeups), \
                    worst \(worst) (due at \(worstAt)), wakeups over 1 s late \(overOneSecond)

                    """
                try? summary.write(toFile: path, atomically: true, encoding: .utf8)
                before = now
            }
        }
    }
}
