import FeatureStoreCore

extension RepoParser {
    /// Checks the fields of a `served_log` source: it names its feature `service`; its table, its
    /// times and its columns are those of the service's log, so the fields that say where rows
    /// are and how to read them have no place (its `schema` declares only outcome values).
    func checkServedLogFields(
        _ reader: MappingReader, source name: String, service: (value: String, position: Position)?,
        timestampField: (value: String, position: Position)?
    ) {
        if service == nil {
            reader.error(
                reader.position,
                "source '\(name)' of kind served_log needs 'service': the feature service (with `logging:`) whose served log it reads"
            )
        }
        let fixed = [
            ("path", "a file"), ("table", "a table"), ("query", "a query"),
            ("created_timestamp_field", "a created timestamp (ties go to the row logged last)"),
            ("timestamp_format", "a timestamp format (log times are stored as microseconds)"),
            ("field_mapping", "renamed columns"), ("dedupe_on", "dedupe columns (every logged row is its own event)"),
        ]
        for (key, what) in fixed where reader.has(key) {
            reader.error(
                reader.position(of: key),
                "source '\(name)' of kind served_log takes no '\(key)': it reads the log table of its feature service in place and has no \(what); remove '\(key)'"
            )
        }
        if let timestampField, timestampField.value != ServedLogColumns.logTimestamp {
            reader.error(
                timestampField.position,
                "the event time of served_log source '\(name)' is \(ServedLogColumns.logTimestamp) (when the lookup was served), not '\(timestampField.value)'; remove 'timestamp_field'"
            )
        }
    }
}
