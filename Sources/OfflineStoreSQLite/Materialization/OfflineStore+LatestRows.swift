import FeatureStoreCore
import SQLite

/// The newest row of one entity in a time range: what materialization writes online.
public struct LatestRow: Sendable, Hashable {
    public var key: [FeatureValue]
    public var eventTime: Timestamp
    public var createdTime: Timestamp
    /// The requested features' values, in the order requested.
    public var values: [FeatureValue]
}

extension OfflineStore {
    /// Streams, per entity, the row with the greatest (event time, created time) among those with
    /// `from <= event time <= to`, in batches of `batchSize`; memory stays bounded by one batch.
    ///
    /// - Returns: the number of source rows scanned.
    @discardableResult
    public func scanLatestRows(
        history: HistoryLocation, viewName: String, joinKeys: [JoinKey], features: [Feature], from: Timestamp,
        to: Timestamp, batchSize: Int = 10_000, _ body: ([LatestRow]) throws -> Void
    ) throws -> Int {
        let query = SourceQuery(history: history, joinKeys: joinKeys, features: features, viewName: viewName)
        return try storage {
            let statement = try database.prepare(query.sql)
            try query.bind(statement, from: from, to: to)
            var batch: [LatestRow] = []
            batch.reserveCapacity(batchSize)
            var scanned = 0
            var currentKey: [FeatureValue]?
            var best: (event: Int64, created: Int64)?
            var bestValues: [FeatureValue] = []
            func flush() throws {
                if let currentKey, let best {
                    batch.append(
                        LatestRow(
                            key: currentKey, eventTime: Timestamp(microseconds: best.event),
                            createdTime: Timestamp(microseconds: best.created), values: bestValues))
                    if batch.count >= batchSize {
                        try body(batch)
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                best = nil
            }
            while try statement.step() {
                scanned += 1
                guard let key = try query.key(statement), let times = try query.times(statement) else { continue }
                guard times.event >= from.microseconds, times.event <= to.microseconds else { continue }
                if key != currentKey {
                    try flush()
                    currentKey = key
                }
                if best == nil || times >= best! {
                    best = times
                    bestValues = try query.values(statement)
                }
            }
            try flush()
            if !batch.isEmpty { try body(batch) }
            return scanned
        }
    }
}
