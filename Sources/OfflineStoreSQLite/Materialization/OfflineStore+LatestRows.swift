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

extension HistoryReader {
    /// Streams, per entity, the row with the greatest (event time, created time) among those with
    /// `from <= event time <= to` (and, when `arrivedAfter` is given, the rows that arrived after
    /// that arrival number with an earlier event time), in batches of `batchSize`; only the rows of
    /// `entities` when given.
    ///
    /// Memory holds one row per entity of the range.
    ///
    /// - Returns: the number of source rows scanned.
    @discardableResult
    package func scanLatestRows(
        history: HistoryLocation, viewName: String, joinKeys: [JoinKey], features: [Feature], from: Timestamp,
        to: Timestamp, arrivedAfter: Int64? = nil, entities: Set<[FeatureValue]>? = nil, batchSize: Int = 10_000,
        _ body: ([LatestRow]) throws -> Void
    ) throws -> Int {
        var query = SourceQuery(history: history, joinKeys: joinKeys, features: features, viewName: viewName)
        query.arrivedAfter = arrivedAfter
        var statement = try query.rows(self, from: from, to: to)
        var latest: [[FeatureValue]: Int] = [:]
        var rows: [LatestRow] = []
        var scanned = 0
        while try statement.step() {
            scanned += 1
            guard let key = try query.key(statement), let times = try query.times(statement) else { continue }
            if let entities, !entities.contains(key) { continue }
            let late = arrivedAfter != nil && times.event < from.microseconds
            guard late || (times.event >= from.microseconds && times.event <= to.microseconds) else { continue }
            let event = Timestamp(microseconds: times.event)
            let created = Timestamp(microseconds: times.created)
            if let index = latest[key] {
                // Later rows win ties: the order of a history table is arrival order within a time.
                guard (event, created) >= (rows[index].eventTime, rows[index].createdTime) else { continue }
                rows[index].eventTime = event
                rows[index].createdTime = created
                rows[index].values = try query.values(statement)
            } else {
                latest[key] = rows.count
                rows.append(
                    LatestRow(key: key, eventTime: event, createdTime: created, values: try query.values(statement))
                )
            }
        }
        var start = 0
        while start < rows.count {
            let end = min(start + batchSize, rows.count)
            try body(Array(rows[start..<end]))
            start = end
        }
        return scanned
    }
}

extension OfflineStore {
    /// ``HistoryReader/scanLatestRows(history:viewName:joinKeys:features:from:to:arrivedAfter:entities:batchSize:_:)``
    /// over this database.
    @discardableResult
    public func scanLatestRows(
        history: HistoryLocation, viewName: String, joinKeys: [JoinKey], features: [Feature], from: Timestamp,
        to: Timestamp, arrivedAfter: Int64? = nil, entities: Set<[FeatureValue]>? = nil, batchSize: Int = 10_000,
        _ body: ([LatestRow]) throws -> Void
    ) throws -> Int {
        try storage {
            try reader.scanLatestRows(
                history: history, viewName: viewName, joinKeys: joinKeys, features: features, from: from, to: to,
                arrivedAfter: arrivedAfter, entities: entities, batchSize: batchSize, body)
        }
    }
}
