/// Arithmetic on times that cannot trap: for bounds computed from validated definitions and the
/// clock (a window's start, a first run's start), where the result only needs to stay ordered.
extension Timestamp {
    /// `self - span`, or ``Timestamp/min`` / ``Timestamp/max`` where that would overflow.
    public func subtractingClamped(_ span: TimeSpan) -> Timestamp {
        let (result, overflow) = microseconds.subtractingReportingOverflow(span.microseconds)
        if overflow { return span.microseconds > 0 ? .min : .max }
        return Timestamp(microseconds: result)
    }

    /// `self + span`, or ``Timestamp/max`` / ``Timestamp/min`` where that would overflow.
    public func addingClamped(_ span: TimeSpan) -> Timestamp {
        let (result, overflow) = microseconds.addingReportingOverflow(span.microseconds)
        if overflow { return span.microseconds > 0 ? .max : .min }
        return Timestamp(microseconds: result)
    }
}
