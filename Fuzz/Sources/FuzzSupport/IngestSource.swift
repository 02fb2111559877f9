import FeatureStoreKit

/// The source the CSV and JSON Lines targets ingest into: a column of every type, an entity key,
/// an event and a created time, and one mapped column (`uid` in the file, `user_id` in views).
public enum IngestSource {
    public static let source = Source(
        name: "events", kind: .csv, path: "events.csv", timestampField: "event_timestamp",
        createdTimestampField: "created", fieldMapping: ["uid": "user_id"],
        schema: [
            Field(name: "uid", type: .int64), Field(name: "event_timestamp", type: .timestamp),
            Field(name: "created", type: .timestamp), Field(name: "amount", type: .float64),
            Field(name: "flag", type: .bool), Field(name: "name", type: .string), Field(name: "blob", type: .bytes),
        ])

    /// Its history table: `user_id` is a join key, so every row needs it.
    public static let table = HistoryTable(source: source, generation: 1, requiredColumns: ["user_id"])
}
