import FeatureStoreCore
import Foundation
import OfflineStoreSQLite
import SQLite

/// A store with one source (`stats`: raw column `driver` mapped to the join key `driver_id`) and
/// its history table, on the SQLite store unless another opener is given.
struct IngestFixture {
    let directory = TestDirectory("ingest")
    let opener: StoreOpener
    let store: any OfflineHistoryStore
    let table: HistoryTable

    static let header = "driver,ts,created,rate,name,active"

    init(
        _ opener: StoreOpener = StoreOpener(server: nil), timestampFormat: TimestampFormat = .iso8601,
        dedupeOn: [String] = []
    ) throws {
        let source = Source(
            name: "stats", kind: .csv, path: "stats.csv", timestampField: "ts", createdTimestampField: "created",
            fieldMapping: ["driver": "driver_id"],
            schema: [
                Field(name: "driver", type: .int64), Field(name: "ts", type: .timestamp),
                Field(name: "created", type: .timestamp), Field(name: "rate", type: .float64),
                Field(name: "name", type: .string), Field(name: "active", type: .bool),
            ], timestampFormat: timestampFormat, dedupeOn: dedupeOn)
        let definitions = RepoDefinitions(
            entities: [Entity(name: "driver", joinKeys: [JoinKey(name: "driver_id", valueType: .int64)])],
            sources: [source],
            featureViews: [
                FeatureView(
                    name: "stats_view", entities: ["driver"], source: "stats",
                    features: [Feature(name: "rate", type: .float64)])
            ])
        table = HistoryTable(source: source, generation: 1, definitions: definitions)
        self.opener = opener
        store = try opener.store(in: directory)
        try store.prepare([table])
    }

    /// Writes `text` to `name` and ingests it.
    @discardableResult
    func ingest(_ name: String, _ text: String, format: TabularFormat = .csv, options: IngestOptions = IngestOptions())
        throws -> IngestResult
    {
        let path = try directory.write(name, text)
        return try store.ingest(
            file: path, format: format, into: table, options: options, now: Timestamp(microseconds: 0))
    }

    /// The error message of an ingest that must fail.
    func failure(_ name: String, _ text: String, format: TabularFormat = .csv) -> FeatureStoreError? {
        do {
            try ingest(name, text, format: format)
            return nil
        } catch let error as FeatureStoreError {
            return error
        } catch {
            return FeatureStoreError(.storage, "unexpected \(error)")
        }
    }

    func count() throws -> Int64 { try store.rowCount(table) }

    /// Every stored row, as text (`driver_id, __event_ts, __created_ts, rate, name, active`), in
    /// key, time and arrival order.
    func rows() throws -> [[String]] {
        try opener.rows(
            "SELECT driver_id, __event_ts, __created_ts, rate, name, active FROM {table} ORDER BY driver_id, __event_ts, __created_ts, __seq",
            table: table.name, in: store, directory: directory)
    }
}
