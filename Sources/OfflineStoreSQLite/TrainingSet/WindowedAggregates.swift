import Dispatch
import FeatureStoreCore

/// An aggregate view's part of a training set: for each spine row (join keys, time `t`) and
/// aggregation, the function over the source's events with the same keys and
/// `t - window <= event time < t` (``WindowRange``), exactly.
///
/// Spine rows are visited per entity in time order, so each window's two edges only move forward
/// (``SlidingWindow``), and each aggregation is the ``AggregateState`` of the window's events,
/// maintained with adds and merges only (``SlidingAggregate``): the functions, their rules and
/// their results are the online store's, from the one implementation in `FeatureStoreCore/Windows`.
///
/// The rules are the online store's (``AggregateState``, ``AggregateOutcome``): NaN and infinities
/// are refused when the events load (an error naming the view, column, entity and time), and a
/// result beyond its type (an int64 sum beyond int64) fails the training set with an error naming
/// the spine row, view, feature and entity, rather than wrapping.
final class WindowedAggregates: FeatureComputer {
    let request: TrainingSetView
    /// Loads the events from the backend the computer was made for.
    private let loadEvents: (WindowedAggregates) throws -> Void
    private let aggregations: [Aggregation]
    private let columns: [Feature]
    private var groups: [EntityKey: EventGroup] = [:]

    /// One entity's events, ordered by (time, created).
    struct EventGroup {
        var times: [Int64] = []
        var created: [Int64] = []
        /// Per column, one value per event.
        var columns: [ColumnValues]
    }

    /// One column's values, typed: numbers in arrays, other types as values.
    struct ColumnValues {
        let type: ValueType
        var present: [Bool] = []
        var numbers: [Double] = []
        var integers: [Int64] = []
        var others: [FeatureValue] = []

        init(type: ValueType) { self.type = type }

        var isNumeric: Bool { type == .int64 || type == .float64 }

        mutating func append(_ value: FeatureValue) throws(NonFinite) {
            if value.nonFiniteNumber { throw NonFinite(value: value) }
            present.append(!value.isNull)
            switch (type, value) {
            case (.int64, .int64(let v)):
                integers.append(v)
                numbers.append(Double(v))
            case (.int64, _):
                integers.append(0)
                numbers.append(0)
            case (.float64, _):
                numbers.append(value.isNull ? 0 : value.numeric)
            default:
                others.append(value)
            }
        }

        func value(_ index: Int) -> FeatureValue {
            guard present[index] else { return .null }
            switch type {
            case .int64: return .int64(integers[index])
            case .float64: return .float64(numbers[index])
            default: return others[index]
            }
        }

        /// The values in `order` (for sorting a group).
        func reordered(_ order: [Int]) -> ColumnValues {
            var copy = ColumnValues(type: type)
            copy.present = order.map { present[$0] }
            if isNumeric { copy.numbers = order.map { numbers[$0] } }
            if type == .int64 { copy.integers = order.map { integers[$0] } }
            if !isNumeric { copy.others = order.map { others[$0] } }
            return copy
        }
    }

    init<Reader: HistoryReader>(request: TrainingSetView, reader: Reader) throws {
        self.request = request
        loadEvents = { try $0.load(from: reader) }
        let wanted = Set(request.features.map(\.name))
        aggregations = request.view.aggregations.filter { wanted.contains($0.name) }
        var columns: [Feature] = []
        for aggregation in aggregations where !columns.contains(where: { $0.name == aggregation.column }) {
            columns.append(Feature(name: aggregation.column, type: aggregation.inputType))
        }
        self.columns = columns
    }

    func load() throws { try loadEvents(self) }

    private func load<Reader: HistoryReader>(from reader: Reader) throws {
        let query = SourceQuery(
            history: request.history, joinKeys: request.joinKeys, features: columns, viewName: request.view.name)
        var statement = try query.rows(reader, from: .min, to: .max)
        let builder = EntityKeyBuilder(types: request.joinKeys.map(\.valueType))
        var indexes: [EntityKey: Int] = [:]
        var list: [EventGroup] = []
        var unsorted: Set<Int> = []
        var previous: EntityKey?
        var index = -1
        let emptyGroup = EventGroup(columns: columns.map { ColumnValues(type: $0.type) })
        while try statement.step() {
            guard let key = try builder.key(from: statement, first: 0, origin: query.origin),
                let times = try query.times(statement)
            else {
                continue
            }
            // Rows of a history table come grouped by key: look the key up only when it changes.
            if key != previous {
                if let known = indexes[key] {
                    index = known
                } else {
                    index = list.count
                    indexes[key] = index
                    list.append(emptyGroup)
                }
                previous = key
            }
            if let last = list[index].times.last, (last, list[index].created.last!) > (times.event, times.created) {
                unsorted.insert(index)
            }
            list[index].times.append(times.event)
            list[index].created.append(times.created)
            for column in columns.indices {
                let value = try query.value(statement, feature: column)
                do {
                    try list[index].columns[column].append(value)
                } catch {
                    throw FeatureStoreError.invalidInput(
                        "feature view '\(request.view.name)' cannot aggregate column '\(columns[column].name)' of the event of \(Self.describe(try query.key(statement))) at \(Timestamp(microseconds: times.event)): \(error.value.text) is not a finite number; aggregates take finite numbers only. Correct the value in the source's history."
                    )
                }
            }
        }
        for index in unsorted {
            let group = list[index]
            let order = group.times.indices.sorted {
                (group.times[$0], group.created[$0]) < (group.times[$1], group.created[$1])
            }
            list[index].times = order.map { group.times[$0] }
            list[index].created = order.map { group.created[$0] }
            list[index].columns = group.columns.map { $0.reordered(order) }
        }
        groups = indexes.mapValues { list[$0] }
    }

    func compute(spine: Spine) throws -> ComputedColumns {
        let count = spine.rowCount
        let builder = EntityKeyBuilder(types: request.joinKeys.map(\.valueType))
        let keyColumns = request.joinKeys.map { spine.column($0.name)! }
        let width = spine.columns.count
        var keys = [EntityKey?](repeating: nil, count: count)
        var scratch: [UInt8] = []
        try spine.fields.withUnsafeBufferPointer { fields in
            for row in 0..<count {
                let rowFields = UnsafeBufferPointer(rebasing: fields[(row * width)..<((row + 1) * width)])
                do {
                    keys[row] = try builder.key(
                        from: rowFields, columns: keyColumns, in: spine.buffer, scratch: &scratch)
                } catch let error as EntityKeyBuilder.Problem {
                    let joinKey = request.joinKeys[error.part]
                    throw FeatureStoreError.invalidInput(
                        "\(spine.path):\(spine.lines[row]): column '\(joinKey.name)': '\(error.text)' is not a valid \(joinKey.valueType.rawValue) (the join key of feature view '\(request.view.name)'); expected \(ValueParsing.expectation(joinKey.valueType, format: .iso8601))"
                    )
                }
            }
        }
        // Output: one value per requested feature (in request order) and spine row.
        let outputs = request.features.map { feature in aggregations.firstIndex { $0.name == feature.name }! }
        var values = [[FeatureValue]](
            repeating: [FeatureValue](repeating: .null, count: count), count: request.features.count)
        // Rows without events still get the empty-window values (count 0, sum 0).
        for (output, index) in outputs.enumerated() {
            let empty = AggregateState(function: aggregations[index].function).result(
                inputType: aggregations[index].inputType)
            if !empty.isNull { for row in 0..<count { values[output][row] = empty } }
        }
        // Spine rows per entity, in time order, computed on two threads (entities are independent).
        var rowsByKey: [EntityKey: [Int]] = [:]
        for row in 0..<count { if let key = keys[row], groups[key] != nil { rowsByKey[key, default: []].append(row) } }
        let work = Array(rowsByKey)
        let matched = work.reduce(0) { $0 + $1.value.count }
        let parts = work.count >= 64 ? 2 : 1
        let shared = UncheckedShared(self)
        let times = UncheckedShared(spine.times)
        typealias Done = (rows: [Int], results: [[FeatureValue]])
        typealias Failure = (row: Int, aggregation: Int, detail: String)
        let slots = WorkerSlots<Result<(done: [Done], failures: [Failure]), any Error>>(count: parts)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            slots.store(
                Result {
                    var done: [Done] = []
                    var failures: [Failure] = []
                    for item in stride(from: part, to: work.count, by: parts) {
                        var rows = work[item].value
                        rows.sort { (times.value[$0], $0) < (times.value[$1], $1) }
                        let group = shared.value.groups[work[item].key]!
                        do {
                            done.append((rows, try shared.value.evaluate(group, times: rows.map { times.value[$0] })))
                        } catch let error as OutOfRange {
                            failures.append((rows[error.position], error.aggregation, error.detail))
                        }
                    }
                    return (done, failures)
                }, at: part)
        }
        var failures: [Failure] = []
        for part in 0..<parts {
            let (done, failed) = try slots.take(part).get()
            failures += failed
            for (rows, results) in done {
                for (output, index) in outputs.enumerated() {
                    for (position, row) in rows.enumerated() { values[output][row] = results[index][position] }
                }
            }
        }
        // A value the feature's type cannot hold fails the training set (never wraps): the first
        // spine row affected is named.
        if let first = failures.min(by: { $0.row < $1.row }) {
            let names = request.joinKeys.map(\.name)
            let key = zip(names, keyColumns).map { name, column in
                "\(name)=\(spine.fields[first.row * width + column].string(in: spine.buffer) ?? "")"
            }
            let others = failures.count > 1 ? " (and \(failures.count - 1) more entities)" : ""
            throw FeatureStoreError.invalidInput(
                "\(spine.path):\(spine.lines[first.row]): feature '\(aggregations[first.aggregation].name)' of view '\(request.view.name)' for \(key.joined(separator: ", ")) at \(Timestamp(microseconds: spine.times[first.row])): \(first.detail)\(others); no value of the feature's type can hold it (for an int64 column, aggregate a float64 column or use avg)"
            )
        }
        return ComputedColumns(
            names: request.outputNames, types: request.features.map(\.type), values: values,
            rowForSpine: (0..<Int32(count)).map { $0 }, matched: matched)
    }

    /// A NaN or infinity among the events.
    struct NonFinite: Error {
        var value: FeatureValue
    }

    /// A result beyond its type, at `position` of the times evaluated.
    struct OutOfRange: Error {
        var aggregation: Int
        var position: Int
        var detail: String
    }

    static func describe(_ key: [FeatureValue]?) -> String {
        guard let key else { return "an entity" }
        return "(" + key.map { if case .string(let s) = $0 { "'\(s)'" } else { $0.text } }.joined(separator: ", ") + ")"
    }

    /// Every aggregation at each time of `times` (ascending) over one entity's events.
    ///
    /// - Throws: ``OutOfRange`` at the first result beyond its type.
    func evaluate(_ group: EventGroup, times: [Int64]) throws -> [[FeatureValue]] {
        try Self.evaluate(group, times: times, aggregations: aggregations, columns: columns)
    }

    /// ``evaluate(_:times:)`` for the given aggregations over `columns` (the group's columns).
    ///
    /// Every aggregation is the ``AggregateState`` of its window's events (``SlidingWindow``,
    /// ``SlidingAggregate``), read with ``AggregateState/outcome(as:inputType:)``; aggregations of
    /// one column and window whose functions keep the same partial state (`sum` and `avg`) share it.
    static func evaluate(_ group: EventGroup, times: [Int64], aggregations: [Aggregation], columns: [Feature]) throws
        -> [[FeatureValue]]
    {
        struct Shared: Hashable {
            var column: Int
            var window: TimeSpan
            var partial: AggregationFunction
        }
        var order: [Shared] = []
        var members: [Shared: [Int]] = [:]
        for (index, aggregation) in aggregations.enumerated() {
            let shared = Shared(
                column: columns.firstIndex { $0.name == aggregation.column }!, window: aggregation.window,
                partial: AggregateState.partialFunction(for: aggregation.function))
            if members[shared] == nil { order.append(shared) }
            members[shared, default: []].append(index)
        }
        var results = [[FeatureValue]](repeating: [], count: aggregations.count)
        for shared in order {
            let column = group.columns[shared.column]
            let indexes = members[shared]!
            for index in indexes { results[index].reserveCapacity(times.count) }
            var window = SlidingWindow(times: group.times, length: shared.window)
            var sliding = SlidingAggregate(function: shared.partial, count: group.times.count)
            for t in times {
                let state = sliding.state(of: window.advance(to: t)) { event, state in
                    if column.present[event] {
                        state.add(column.value(event), time: group.times[event], created: group.created[event])
                    }
                }
                for index in indexes {
                    let aggregation = aggregations[index]
                    switch state.outcome(as: aggregation.function, inputType: aggregation.inputType) {
                    case .value(let value): results[index].append(value)
                    case .outOfRange(let detail):
                        throw OutOfRange(aggregation: index, position: results[index].count, detail: detail)
                    }
                }
            }
        }
        return results
    }
}
