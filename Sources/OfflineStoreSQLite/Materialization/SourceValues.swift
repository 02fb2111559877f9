import CSQLite
import FeatureStoreCore
import SQLite

/// The feature view and source a row was read for, named in messages about its values.
struct SourceOrigin: Sendable {
    var view: String
    var source: String

    init(view: String, history: HistoryLocation) {
        self.view = view
        switch history {
        case .table(let table): source = table.source.name
        case .inPlace(let source): self.source = source.name
        }
    }

    /// The error for a bad value in `column` of the current row.
    func error(_ statement: Statement, _ column: Int32, value: String, _ reason: String) -> FeatureStoreError {
        .invalidInput(
            "feature view '\(view)': source '\(source)', column \(Quote.value(statement.columnName(column))) holds \(value), which \(reason). Fix the rows of the source's table or query (or its schema and timestamp_format)."
        )
    }
}

/// Values of a source's rows read from SQLite, checked against their declared types: what a
/// `sqlite` source read in place holds is whatever its table or query yields, so nothing is
/// assumed.
enum SourceValues {
    /// A timestamp column in microseconds (nil for NULL): integers and reals as counts of the
    /// epoch unit of `format` (an error for `iso8601`, which has none), text as RFC 3339 (a time
    /// without a zone, as SQLite's `datetime()` writes it, is UTC) or, for the epoch formats, a
    /// count as text.
    static func time(_ statement: Statement, _ column: Int32, _ format: TimestampFormat, origin: SourceOrigin) throws
        -> Int64?
    {
        switch statement.columnType(column) {
        case SQLITE_NULL:
            return nil
        case SQLITE_INTEGER:
            return try epoch(String(statement.int64(column)), statement, column, format, origin)
        case SQLITE_FLOAT:
            let value = statement.double(column)
            guard value.isFinite else {
                throw origin.error(statement, column, value: "\(value)", "is not a finite number")
            }
            // The shortest text that reads back as this double, read exactly.
            return try epoch(value.description, statement, column, format, origin)
        case SQLITE_TEXT:
            let result = statement.withTextBytes(column) { text -> Result<Timestamp, TimestampParseError> in
                func parse(_ format: TimestampFormat) -> Result<Timestamp, TimestampParseError> {
                    Result { () throws(TimestampParseError) in
                        try Timestamp.parse(utf8: text, format: format, zoneless: .utc)
                    }
                }
                guard format != .iso8601 else { return parse(.iso8601) }
                // An epoch format: a count as text, else RFC 3339; the error of the likelier one.
                let count = parse(format)
                if case .success = count { return count }
                let rfc3339 = parse(.iso8601)
                if case .success = rfc3339 { return rfc3339 }
                return text.contains(UInt8(ascii: ":")) ? rfc3339 : count
            }
            switch result {
            case .success(let time): return time.microseconds
            case .failure(let error):
                throw origin.error(statement, column, value: error.value, "is not a valid timestamp: \(error.reason)")
            }
        default:
            throw origin.error(
                statement, column, value: "a blob", "is not a timestamp; store RFC 3339 text or an epoch count")
        }
    }

    /// A number in a timestamp column, as a count of `format`'s unit.
    private static func epoch(
        _ text: String, _ statement: Statement, _ column: Int32, _ format: TimestampFormat, _ origin: SourceOrigin
    ) throws -> Int64 {
        guard format != .iso8601 else {
            var hint = ""
            for candidate in [TimestampFormat.epochSeconds, .epochMilliseconds, .epochMicroseconds] {
                if let time = try? Timestamp.parsing(text, format: candidate) {
                    hint = " (as \(candidate.rawValue) it would be \(time.rfc3339))"
                    break
                }
            }
            throw origin.error(
                statement, column, value: "the number \(text)",
                "is not RFC 3339 text, and the source's timestamp_format is iso8601; set timestamp_format to the epoch unit of the column: epoch_s, epoch_ms or epoch_us\(hint)"
            )
        }
        do {
            return try Timestamp.parsing(text, format: format).microseconds
        } catch {
            throw origin.error(
                statement, column, value: "the number \(text)", "is not a valid timestamp: \(error.reason)")
        }
    }
}
