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
        let views = try readable(views)
        let reader = LateReader()
        return try TrainingSetRun.build(
            reader: reader,
            inReadTransaction: { body in
                try read(inPlace: views.contains(where: \.history.isInPlace)) {
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
        let views = try readable(views)
        let reader = LateReader()
        return try TrainingSetRun.pointInTimeValues(
            reader: reader,
            inReadTransaction: { body in
                try read(inPlace: views.contains(where: \.history.isInPlace)) {
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
        let history = try readable(history, viewName)
        return try read(inPlace: history.isInPlace) { reader in
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
        let history = try readable(history, viewName)
        return try read(inPlace: history.isInPlace) { reader in
            try reader.scanEvents(
                history: history, viewName: viewName, joinKeys: joinKeys, columns: columns, from: from, to: to,
                arrivedAfter: arrivedAfter, batchSize: batchSize, body)
        }
    }

    public func sampleKeys(history: HistoryLocation, viewName: String, joinKeys: [JoinKey], limit: Int) throws
        -> [[FeatureValue]]
    {
        let history = try readable(history, viewName)
        return try read(inPlace: history.isInPlace) {
            try $0.sampleKeys(history: history, viewName: viewName, joinKeys: joinKeys, limit: limit)
        }
    }

    /// `views` with each `postgres` source made readable (each source checked once).
    private func readable(_ views: [TrainingSetView]) throws -> [TrainingSetView] {
        var checked: [String: HistoryLocation] = [:]
        return try views.map { view in
            var view = view
            guard case .inPlace(let source) = view.history else { return view }
            if let history = checked[source.name] {
                view.history = history
            } else {
                view.history = try readable(view.history, view.view.name)
                checked[source.name] = view.history
            }
            return view
        }
    }

    /// `history` as the shared readers read it: a history table as it is; a `postgres` source
    /// checked against its table or query and wrapped in the SELECT that converts its columns
    /// (``PostgresInPlaceSource``), as is a `served_log` source's query (``servedLogSource(_:)``).
    ///
    /// - Throws: `invalidArgument` for a `sqlite` source, which lives in the SQLite offline
    ///   database; the errors of ``PostgresInPlaceSource/readable(_:)``.
    private func readable(_ history: HistoryLocation, _ viewName: String) throws -> HistoryLocation {
        guard case .inPlace(var source) = history else { return history }
        // A served log arrives as the query over its log table (``servedLogSource(_:)``), read
        // like a `postgres` source's query.
        if source.kind == .servedLog, source.query != nil { source.kind = .postgres }
        guard source.kind == .postgres else {
            throw FeatureStoreError.invalidArgument(
                "feature view '\(viewName)' reads source '\(source.name)' of kind \(source.kind.rawValue) in place, which needs the SQLite offline store; the offline store here is PostgreSQL (\(location)). A table of this database is read in place by a source of kind postgres"
            )
        }
        let resolver = PostgresInPlaceSource(source: source, storeSchema: settings.schema, location: location)
        return .inPlace(try read(inPlace: true) { try resolver.readable($0.transaction) })
    }

    /// ``read(_:)`` with the settings of reads of sources in place when `inPlace`.
    private func read<T>(inPlace: Bool, _ body: (PostgresHistoryReader) throws -> T) throws -> T {
        try read { reader in
            if inPlace { try PostgresInPlaceSource.applySettings(schema: schema, reader.transaction) }
            return try body(reader)
        }
    }
}

extension HistoryLocation {
    /// Whether the rows are read in place (not from a history table).
    var isInPlace: Bool {
        if case .inPlace = self { return true }
        return false
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
