import FeatureStoreCore

/// Why one row of an input file cannot be stored.
struct IngestRowProblem: Error {
    var line: Int
    /// The column, for a bad value (nil for a malformed record).
    var column: String?
    /// The value as messages show it (``Quote/value(utf8:)``: quoted, at most a few hundred bytes).
    var value: String?
    var reason: String

    /// `reason` with the column and value: the text of a reject file's reason column.
    var detail: String {
        guard let column else { return reason }
        if let value { return "column '\(column)': \(value) \(reason)" }
        return "column '\(column)': \(reason)"
    }

    /// The error that stops an ingest at this row.
    func error(file: String, rejectsPath: String) -> FeatureStoreError {
        .invalidInput(
            "\(file):\(line): \(detail). Nothing from \(file) was ingested; fix the row, or pass --skip-bad-rows to ingest the other rows and write the bad ones to \(rejectsPath)."
        )
    }
}
