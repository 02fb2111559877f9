import FeatureStoreCore
import Foundation
import OfflineStoreSQLite
import SQLite

/// A store with one source (`stats`: raw column `driver` mapped to the join key `driver_id`) and
/// its history table.
struct IngestFixture {
    let directory = TestDirectory("ingest")
    let store: OfflineStore
    let table: HistoryTable

    static let header = "driver,ts,created,rate,name,active"

    init(timestampFormat: TimestampFormat = .iso8601, dedupeOn: [String] = []) throws {
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
        store = try directory.store()
        try store.prepare([table])
    }

    /// Writes `text` to `name` and ingests it.
    @discardableResult
    func ingest(_ name: String, _ text: String, format: TabularFormat = .csv, options: IngestOptions = IngestOptions())
        throws -> IngestResult
    {
        let path = try directory.write(name, text)
        return try store.ingest(file: path, format: format, into: table, options: options)
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
        let database = try Database(path: directory.file("offline.db"))
        let statement = try database.prepare(
            "SELECT driver_id, __event_ts, __created_ts, rate, name, active FROM \(quoteIdentifier(table.name)) ORDER BY driver_id, __event_ts, __created_ts, __seq"
        )
        var rows: [[String]] = []
        while try statement.step() {
            rows.append(
                (0..<statement.columnCount).map { column in
                    switch statement.value(column) {
                    case .null: "null"
                    case .integer(let v): String(v)
                    case .real(let v): v.description
                    case .text(let v): v
                    case .blob: "blob"
                    }
                })
        }
        return rows
    }
}
