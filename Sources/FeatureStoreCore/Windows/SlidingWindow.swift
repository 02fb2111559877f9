/// The events inside ``WindowRange/ending(at:length:)`` as the window's end moves forward across
/// one entity's events: `times` ascending, the window's events are the indexes `lo..<hi`.
///
/// Training sets visit each entity's spine rows in time order, so both edges only move forward
/// (amortized O(1) per step).
public struct SlidingWindow: Sendable {
    public let times: [Int64]
    public let length: TimeSpan
    public private(set) var lo = 0
    public private(set) var hi = 0

    public init(times: [Int64], length: TimeSpan) {
        self.times = times
        self.length = length
    }

    /// Moves the window's end to `time` (never earlier than the last call's) and returns the
    /// indexes of the events inside it.
    public mutating func advance(to time: Int64) -> Range<Int> {
        let range = WindowRange.ending(at: Timestamp(microseconds: time), length: length)
        while hi < times.count, times[hi] < range.end.microseconds { hi += 1 }
        while lo < hi, times[lo] < range.start.microseconds { lo += 1 }
        return lo..<Swift.max(lo, hi)
    }
}
