import FeatureStoreCore

/// The values of some output columns for every spine row.
///
/// `values[c][rowForSpine[r]]` is column `c` of spine row `r`; a negative `rowForSpine[r]` means
/// null. A point-in-time lookup points many spine rows at one history row without copying; a
/// computer that derives a value per spine row (windowed aggregates) points row `r` at `r`.
struct ComputedColumns {
    var names: [String]
    var types: [ValueType]
    var values: [[FeatureValue]]
    var rowForSpine: [Int32]
    /// Spine rows that got a value.
    var matched: Int
    /// The created time of each row of ``values`` (indexed like them), when each spine row takes
    /// one stored row (point-in-time lookups); `nil` for derived values.
    var created: [Int64]? = nil
}

/// Computes one feature view's columns of a training set.
///
/// Each kind of view has its own computer: ``PointInTimeLookup`` for snapshot views; windowed
/// ``WindowedAggregates`` for aggregate views. ``OfflineStore/makeComputer(for:)`` picks it.
///
/// A computer works in two steps: ``load()`` reads what it needs from the offline database (while
/// the spine is being read on another thread), then ``compute(spine:)`` fills the columns.
protocol FeatureComputer: AnyObject {
    /// Reads the view's source rows; runs inside the training set's read transaction.
    func load() throws
    func compute(spine: Spine) throws -> ComputedColumns
}

extension HistoryReader {
    /// The computer of a view's part of a training set, reading from this backend.
    func makeComputer(for view: TrainingSetView) throws -> any FeatureComputer {
        if view.view.isAggregate { return try WindowedAggregates(request: view, reader: self) }
        return PointInTimeLookup(request: view, reader: self)
    }
}
