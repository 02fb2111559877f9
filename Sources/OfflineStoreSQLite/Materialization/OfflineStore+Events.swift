import FeatureStoreCore
import SQLite

/// One source row as an event: what windowed aggregates are computed from.
public struct SourceEvent: Sendable, Hashable {
    public var key: [FeatureValue]
    public var time: Timestamp
    public var created: Timestamp
    /// The requested columns' values, in the order requested.
    public var values: [FeatureValue]
}

extension OfflineStore {
    /// Streams every source row with `from <= event time <= to`, in batches of `batchSize`.
    ///
    /// - Returns: the number of source rows scanned.
    @discardableResult
    public func scanEvents(
        history: HistoryLocation, viewName: String, joinKeys: [JoinKey], columns: [Feature], from: Timestamp,
        to: Timestamp,
        batchSize: Int = 10_000, _ body: ([SourceEvent]) throws -> Void
    ) throws -> Int {
        let query = SourceQuery(history: history, joinKeys: joinKeys, features: columns, viewName: viewName)
        return try storage {
            let statement = try database.prepare(query.sql)
            try query.bind(statement, from: from, to: to)
            var batch: [SourceEvent] = []
            batch.reserveCapacity(batchSize)
            var scanned = 0
            while try statement.step() {
                scanned += 1
                guard let key = try query.key(statement), let times = try query.times(statement),
                    times.event >= from.microseconds, times.event <= to.microseconds
                else { continue }
                batch.append(
                    SourceEvent(
                        key: key, time: Timestamp(microseconds: times.event),
                        created: Timestamp(microseconds: times.created),
                        values: try query.values(statement)))
                if batch.count >= batchSize {
                    try body(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { try body(batch) }
            return scanned
        }
    }
}
