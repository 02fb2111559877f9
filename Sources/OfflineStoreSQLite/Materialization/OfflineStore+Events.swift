import FeatureStoreCore
import SQLite

/// One source row as an event: what windowed aggregates are computed from.
public struct SourceEvent: Sendable, Hashable {
    public var key: [FeatureValue]
    public var time: Timestamp
    public var created: Timestamp
    /// The event's identity (``HistoryTable/eventIdentity(sequence:values:)``): the same for every
    /// copy of one event, different for distinct events, stable across scans.
    public var id: Int64
    /// The row's arrival number (0 for sources read in place): of two versions of one event with
    /// equal created times, the later arrival wins.
    public var version: Int64
    /// The requested columns' values, in the order requested.
    public var values: [FeatureValue]
}

extension HistoryReader {
    /// Streams every source row with `from <= event time <= to`, in batches of `batchSize`, plus
    /// (history tables, when `arrivedAfter` is given) the rows that arrived after that arrival
    /// number with an earlier event time.
    ///
    /// - Returns: the number of source rows scanned.
    @discardableResult
    package func scanEvents(
        history: HistoryLocation, viewName: String, joinKeys: [JoinKey], columns: [Feature], from: Timestamp,
        to: Timestamp, arrivedAfter: Int64? = nil, batchSize: Int = 10_000, _ body: ([SourceEvent]) throws -> Void
    ) throws -> Int {
        var query = SourceQuery(history: history, joinKeys: joinKeys, features: columns, viewName: viewName)
        query.arrivedAfter = arrivedAfter
        var statement = try query.rows(self, from: from, to: to)
        var batch: [SourceEvent] = []
        batch.reserveCapacity(batchSize)
        var scanned = 0
        // Rows read in place have no arrival number: identical rows are numbered apart.
        var seen: [Int64: Int64] = [:]
        let inPlace = if case .inPlace = history { true } else { false }
        while try statement.step() {
            scanned += 1
            guard let key = try query.key(statement), let times = try query.times(statement) else { continue }
            let late = arrivedAfter != nil && times.event < from.microseconds
            guard late || (times.event >= from.microseconds && times.event <= to.microseconds) else { continue }
            var id = try query.identity(statement, key: key, event: times.event, created: times.created)
            if inPlace {
                let copies = seen[id, default: 0]
                seen[id] = copies + 1
                id = (id &+ copies) & Int64.max
            }
            batch.append(
                SourceEvent(
                    key: key, time: Timestamp(microseconds: times.event),
                    created: Timestamp(microseconds: times.created), id: id,
                    version: inPlace ? 0 : query.sequence(statement), values: try query.values(statement)))
            if batch.count >= batchSize {
                try body(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { try body(batch) }
        return scanned
    }
}

extension OfflineStore {
    /// ``HistoryReader/scanEvents(history:viewName:joinKeys:columns:from:to:arrivedAfter:batchSize:_:)``
    /// over this database.
    @discardableResult
    public func scanEvents(
        history: HistoryLocation, viewName: String, joinKeys: [JoinKey], columns: [Feature], from: Timestamp,
        to: Timestamp, arrivedAfter: Int64? = nil, batchSize: Int = 10_000, _ body: ([SourceEvent]) throws -> Void
    ) throws -> Int {
        try storage {
            try reader.scanEvents(
                history: history, viewName: viewName, joinKeys: joinKeys, columns: columns, from: from, to: to,
                arrivedAfter: arrivedAfter, batchSize: batchSize, body)
        }
    }
}
