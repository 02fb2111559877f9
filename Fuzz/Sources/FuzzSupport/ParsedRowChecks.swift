@_spi(Fuzzing) import FeatureStoreKit

/// Checks shared by the CSV and JSON Lines targets on what ingest parsed of a file.
@_spi(Fuzzing) public enum ParsedRowChecks {
    /// Every parsed row is storable: its times in years 0001-9999, its entity key present, its
    /// floats finite, its text valid UTF-8; and rows and problems account for every record read.
    public static func check(_ parsed: IngestFuzzing.Parsed, records: Int, input: UnsafeBufferPointer<UInt8>) {
        require(
            parsed.rows.count + parsed.problems.count == parsed.records,
            "\(parsed.rows.count) rows and \(parsed.problems.count) problems for \(parsed.records) records of \(describe(input))"
        )
        require(
            parsed.records == records,
            "ingest read \(parsed.records) records, the reader \(records), of \(describe(input))")
        let columns = IngestSource.table.columnNames
        let types = IngestSource.table.columnTypes
        for row in parsed.rows {
            require(row.count == columns.count, "a row has \(row.count) values for \(columns.count) columns")
            for (index, value) in row.enumerated() {
                let name = columns[index]
                require(
                    value.type == nil || value.type == types[index],
                    "column \(name) of type \(types[index]) holds \(value) parsed from \(describe(input))")
                switch value {
                case .timestamp(let time):
                    // No created column would store 0; this source has one.
                    require(time.isValid, "column \(name) holds \(time.microseconds) µs, outside 0001-9999")
                case .float64(let number):
                    require(number.isFinite, "column \(name) holds \(number)")
                case .null:
                    require(
                        !["__event_ts", "__created_ts", "user_id"].contains(name),
                        "column \(name) is null in a parsed row of \(describe(input))")
                default: break
                }
            }
        }
    }
}
