import Dispatch
import FeatureStoreCore

/// A snapshot view's part of a training set, with the semantics of Feast's SQL offline stores:
/// for each spine row (join keys, time `t`), the source row with the same keys and
/// `t - ttl <= event_ts <= t` (no lower bound when the ttl is 0) with the greatest event time,
/// ties going to the greatest created time; null when no row qualifies.
final class PointInTimeLookup: FeatureComputer {
    let request: TrainingSetView
    /// Reads the rows from the backend the computer was made for.
    private let readRows: (TrainingSetView) throws -> HistoryRows
    private var loaded: HistoryRows?

    init<Reader: HistoryReader>(request: TrainingSetView, reader: Reader) {
        self.request = request
        readRows = { try HistoryRows.load($0, reader: reader) }
    }

    func load() throws {
        var timer = PhaseTimer("training set: \(request.view.name)")
        loaded = try readRows(request)
        timer.mark("load history")
    }

    func compute(spine: Spine) throws -> ComputedColumns {
        var timer = PhaseTimer("training set: \(request.view.name)")
        if loaded == nil { try load() }
        let history = UncheckedShared(loaded!)
        let count = spine.rowCount
        // Large spines are looked up in two halves on two threads (the history is read-only).
        let parts = count >= 100_000 ? [0..<(count / 2), (count / 2)..<count] : [0..<count]
        let results = WorkerSlots<Result<(rows: [Int32], matched: Int), any Error>>(count: parts.count)
        let shared = UncheckedShared(self)
        DispatchQueue.concurrentPerform(iterations: parts.count) { part in
            results.store(Result { try shared.value.lookUp(parts[part], in: spine, history: history.value) }, at: part)
        }
        var rowForSpine: [Int32] = []
        rowForSpine.reserveCapacity(count)
        var matched = 0
        for part in parts.indices {
            let result = try results.take(part).get()
            rowForSpine += result.rows
            matched += result.matched
        }
        timer.mark("look up spine rows")
        return ComputedColumns(
            names: request.outputNames, types: request.features.map(\.type), values: history.value.values,
            rowForSpine: rowForSpine, matched: matched, created: history.value.created)
    }

    /// The history row of each spine row in `rows` (-1 for none), and how many found one.
    private func lookUp(_ rows: Range<Int>, in spine: Spine, history: HistoryRows) throws -> (
        rows: [Int32], matched: Int
    ) {
        let builder = EntityKeyBuilder(types: request.joinKeys.map(\.valueType))
        let keyColumns = request.joinKeys.map { spine.column($0.name)! }
        let ttl = request.view.ttl.microseconds
        let width = spine.columns.count
        var rowForSpine = [Int32](repeating: -1, count: rows.count)
        var matched = 0
        var scratch: [UInt8] = []
        try spine.fields.withUnsafeBufferPointer { fields in
            try history.events.withUnsafeBufferPointer { events in
                for row in rows {
                    let rowFields = UnsafeBufferPointer(rebasing: fields[(row * width)..<((row + 1) * width)])
                    let key: EntityKey?
                    do {
                        key = try builder.key(from: rowFields, columns: keyColumns, in: spine.buffer, scratch: &scratch)
                    } catch let error as EntityKeyBuilder.Problem {
                        let joinKey = request.joinKeys[error.part]
                        throw FeatureStoreError.invalidInput(
                            "\(spine.path):\(spine.lines[row]): column '\(joinKey.name)': '\(error.text)' is not a valid \(joinKey.valueType.rawValue) (the join key of feature view '\(request.view.name)'); expected \(ValueParsing.expectation(joinKey.valueType, format: .iso8601))"
                        )
                    }
                    guard let key, let range = history.groups[key] else { continue }
                    let t = spine.times[row]
                    // The last row with event <= t: rows are ordered by (event, created), so it is
                    // the latest event and, among equal events, the latest created.
                    var low = range.lowerBound
                    var high = range.upperBound
                    while low < high {
                        let middle = (low + high) >> 1
                        if events[middle] <= t { low = middle + 1 } else { high = middle }
                    }
                    let found = low - 1
                    guard found >= range.lowerBound else { continue }
                    if ttl > 0 && events[found] < t &- ttl { continue }
                    rowForSpine[row - rows.lowerBound] = history.rowOf[found]
                    matched += 1
                }
            }
        }
        return (rowForSpine, matched)
    }
}
