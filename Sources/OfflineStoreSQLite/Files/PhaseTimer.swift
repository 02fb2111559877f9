import Foundation

/// Prints how long each phase of an ingest or training set took, on stderr, when the
/// environment sets `FS_TRACE_PHASES=1`: for profiling, never for normal output.
package struct PhaseTimer {
    private let enabled = ProcessInfo.processInfo.environment["FS_TRACE_PHASES"] == "1"
    private var last = ContinuousClock.now
    private let label: String

    package init(_ label: String) { self.label = label }

    /// Reports the time since the previous mark.
    package mutating func mark(_ phase: String) {
        guard enabled else { return }
        let now = ContinuousClock.now
        let duration = now - last
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        FileHandle.standardError.write(Data("[\(label)] \(phase): \(String(format: "%.3f", seconds)) s\n".utf8))
        last = now
    }
}
