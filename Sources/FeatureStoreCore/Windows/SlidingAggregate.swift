/// The ``AggregateState`` of the events inside a window that slides forward across one entity's
/// events (``SlidingWindow``), built only from adds and merges of the states, so a training set
/// computes every function exactly as the online store does (tiles and edges merged the same way).
///
/// Two stacks: the window's older part is kept as suffix states (the state of events `i..<boundary`
/// for each `i` in it), its newer part as one running state of `boundary..<end`; a window is the
/// merge of its first event's suffix and the running state. When the window's start passes the
/// boundary, the window's events become the older part. Each event is added at most twice, and each
/// window costs one merge: amortized O(1) per step (for `count_distinct`, merges cost the number of
/// distinct values). A value that left the window never rounds into a sum of the values inside it.
public struct SlidingAggregate: Sendable {
    public let function: AggregationFunction
    /// `suffix[i]`, for `i` in the older part: the state of events `i..<boundary`.
    private var suffix: [AggregateState]
    private var boundary = 0
    /// The state of events `boundary..<end`.
    private var back: AggregateState
    private var end = 0

    /// A window over `count` events, for `function` (a partial function: see
    /// ``AggregateState/partialFunction(for:)``).
    public init(function: AggregationFunction, count: Int) {
        self.function = function
        suffix = [AggregateState](repeating: AggregateState(function: function), count: count)
        back = AggregateState(function: function)
    }

    /// The state of events `window` (whose bounds never move backward between calls); `add` adds
    /// event `index`'s value to a state.
    public mutating func state(
        of window: Range<Int>, adding add: (_ index: Int, _ state: inout AggregateState) -> Void
    ) -> AggregateState {
        if window.lowerBound >= boundary {
            // The older part is used up: the window's events become it.
            var running = AggregateState(function: function)
            var index = window.upperBound
            while index > window.lowerBound {
                index -= 1
                add(index, &running)
                suffix[index] = running
            }
            boundary = window.upperBound
            back = AggregateState(function: function)
            end = window.upperBound
            return running
        }
        while end < window.upperBound {
            add(end, &back)
            end += 1
        }
        var state = suffix[window.lowerBound]
        state.merge(back)
        return state
    }
}
