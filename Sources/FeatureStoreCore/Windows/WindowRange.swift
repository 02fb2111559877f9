/// A half-open span of time `[start, end)`.
///
/// The one definition of a window, used by training sets and online reads alike: the value of an
/// aggregate over window `w` at time `t` covers the events with `t - w <= event time < t`. An event
/// stamped exactly `t` is excluded, so an event never leaks into its own features.
public struct WindowRange: Hashable, Sendable, CustomStringConvertible {
    public var start: Timestamp
    public var end: Timestamp

    public init(start: Timestamp, end: Timestamp) {
        self.start = start
        self.end = end
    }

    /// The window of length `length` that ends (exclusively) at `time`. A start before the first
    /// representable instant is that instant (no event is earlier), so no time and length trap.
    public static func ending(at time: Timestamp, length: TimeSpan) -> WindowRange {
        WindowRange(start: time.saturatingSubtracting(length), end: time)
    }

    @inline(__always)
    public func contains(_ time: Timestamp) -> Bool { start <= time && time < end }

    public var isEmpty: Bool { start >= end }

    public var description: String { "[\(start.rfc3339), \(end.rfc3339))" }
}

extension Timestamp {
    /// `self - span`, or the first (last) representable instant when that is beyond it.
    @inline(__always)
    public func saturatingSubtracting(_ span: TimeSpan) -> Timestamp {
        let (value, overflow) = microseconds.subtractingReportingOverflow(span.microseconds)
        if !overflow { return Timestamp(microseconds: value) }
        return span.microseconds > 0 ? .min : .max
    }

    /// `self + span`, or the last (first) representable instant when that is beyond it.
    @inline(__always)
    public func saturatingAdding(_ span: TimeSpan) -> Timestamp {
        let (value, overflow) = microseconds.addingReportingOverflow(span.microseconds)
        if !overflow { return Timestamp(microseconds: value) }
        return span.microseconds > 0 ? .max : .min
    }
}
