import FeatureStoreCore
import OfflineStoreSQLite
import PostgresClient

extension PostgresOfflineStore {
    /// Builds a training set with the shared computers (``TrainingSetRun``), the history read in
    /// one snapshot; the output file appears only when complete.
    public func trainingSet(
        spine: String, spineFormat: TabularFormat, views: [TrainingSetView], output: String,
        outputFormat: TabularFormat, profile: Bool
    ) throws -> TrainingSetResult {
        try refuseInPlace(views)
        let reader = LateReader()
        return try TrainingSetRun.build(
            reader: reader,
            inReadTransaction: { body in
                try read {
                    reader.current = $0; try body()
                }
            },
            spine: spine, spineFormat: spineFormat, views: views, output: output, outputFormat: outputFormat,
            profile: profile)
    }

    /// The features of `views` at each row of an in-memory spine, through the training set's computers.
    public func pointInTimeValues(spine: [UInt8], name: String, views: [TrainingSetView]) throws
        -> [PointInTimeValues]
    {
        try refuseInPlace(views)
        let reader = LateReader()
        return try TrainingSetRun.pointInTimeValues(
            reader: reader,
            inReadTransaction: { body in
                try read {
                    reader.current = $0; try body()
                }
            },
            spine: spine, name: name, views: views)
    }

    @discardableResult
    public func scanLatestRows(
        history: HistoryLocation, viewName: String, joinKeys: [JoinKey], features: [Feature], from: Timestamp,
        to: Timestamp, arrivedAfter: Int64?, entities: Set<[FeatureValue]>?, batchSize: Int,
        _ body: ([LatestRow]) throws -> Void
    ) throws -> Int {
        try refuseInPlace(history, viewName)
        return try read { reader in
            try reader.scanLatestRows(
                history: history, viewName: viewName, joinKeys: joinKeys, features: features, from: from, to: to,
                arrivedAfter: arrivedAfter, entities: entities, batchSize: batchSize, body)
        }
    }

    @discardableResult
    public func scanEvents(
        history: HistoryLocation, viewName: String, joinKeys: [JoinKey], columns: [Feature], from: Timestamp,
        to: Timestamp, arrivedAfter: Int64?, batchSize: Int, _ body: ([SourceEvent]) throws -> Void
    ) throws -> Int {
        try refuseInPlace(history, viewName)
        return try read { reader in
            try reader.scanEvents(
                history: history, viewName: viewName, joinKeys: joinKeys, columns: columns, from: from, to: to,
                arrivedAfter: arrivedAfter, batchSize: batchSize, body)
        }
    }

    public func sampleKeys(history: HistoryLocation, viewName: String, joinKeys: [JoinKey], limit: Int) throws
        -> [[FeatureValue]]
    {
        try refuseInPlace(history, viewName)
        return try read { try $0.sampleKeys(history: history, viewName: viewName, joinKeys: joinKeys, limit: limit) }
    }

    private func refuseInPlace(_ views: [TrainingSetView]) throws {
        for view in views { try refuseInPlace(view.history, view.view.name) }
    }

    /// Sources read in place (`kind: sqlite`, served logs) live in the SQLite offline database.
    private func refuseInPlace(_ history: HistoryLocation, _ viewName: String) throws {
        if case .inPlace(let source) = history {
            throw FeatureStoreError.invalidArgument(
                "feature view '\(viewName)' reads source '\(source.name)' of kind \(source.kind.rawValue) in place, which needs the SQLite offline store; the offline store here is PostgreSQL (\(location))"
            )
        }
    }
}

/// A reader whose transaction is set when the training set's read transaction begins (the
/// computers are made before it).
final class LateReader: HistoryReader {
    var current: PostgresHistoryReader?

    var parameterPrefix: String { "$" }
    var readsInClusteringOrder: Bool { false }

    func cursor(_ sql: String, _ parameters: [Int64]) throws -> PostgresRowCursor {
        try reader().cursor(sql, parameters)
    }

    func rowCount(of table: HistoryTable) throws -> Int { try reader().rowCount(of: table) }

    private func reader() throws -> PostgresHistoryReader {
        guard let current else {
            throw FeatureStoreError.storage("the PostgreSQL offline store was read outside its read transaction")
        }
        return current
    }
}
