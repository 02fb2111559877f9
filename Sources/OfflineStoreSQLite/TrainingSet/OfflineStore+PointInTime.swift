import FeatureStoreCore

/// One view's features at each row of an in-memory spine, typed: what the training-set path
/// computes, without writing a file.
public struct PointInTimeValues: Sendable {
    /// The view's requested features, in ``TrainingSetView/features`` order.
    public var features: [Feature]
    /// `values[f][r]`: feature `f` at spine row `r` (null when no row qualifies).
    public var values: [[FeatureValue]]
    /// The created time of the stored row each spine row took (0 when the source has none), for
    /// snapshot views; `nil` for aggregate views (their values are derived from many rows) and for
    /// rows that found none.
    public var created: [Int64?]?
}

extension OfflineStore {
    /// The features of `views` as of each row of a spine given in memory, through the training
    /// set's own computers (``PointInTimeLookup`` for snapshot views, ``WindowedAggregates`` for
    /// aggregate views): exactly the values `fs get-training-set` would write for it.
    ///
    /// - Parameters:
    ///   - spine: JSON Lines: each view's join keys and `event_timestamp` (RFC 3339) per line.
    ///   - name: what messages call the spine.
    /// - Throws: what a training set throws for its spine and history.
    public func pointInTimeValues(spine bytes: [UInt8], name: String, views: [TrainingSetView]) throws
        -> [PointInTimeValues]
    {
        try TrainingSetRun.pointInTimeValues(
            reader: reader, inReadTransaction: readTransaction, spine: bytes, name: name, views: views)
    }
}

extension TrainingSetRun {
    /// ``OfflineStore/pointInTimeValues(spine:name:views:)`` over any backend.
    package static func pointInTimeValues<Reader: HistoryReader>(
        reader: Reader, inReadTransaction: (() throws -> Void) throws -> Void, spine bytes: [UInt8], name: String,
        views: [TrainingSetView]
    ) throws -> [PointInTimeValues] {
        let spine = try Spine(bytes: bytes, name: name, format: .jsonl)
        let computers = try views.map(reader.makeComputer(for:))
        try inReadTransaction { for computer in computers { try computer.load() } }
        let computed = try computers.map { try $0.compute(spine: spine) }
        return zip(views, computed).map { view, part in
            let rows = part.rowForSpine.map(Int.init)
            let values = part.values.map { column in rows.map { $0 < 0 ? FeatureValue.null : column[$0] } }
            let created = part.created.map { created in rows.map { $0 < 0 ? nil : created[$0] } }
            return PointInTimeValues(features: view.features, values: values, created: created)
        }
    }
}
