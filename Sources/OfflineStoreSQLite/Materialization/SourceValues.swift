import FeatureStoreCore
import SQLite

/// The feature view and source a row was read for, named in messages about its values.
struct SourceOrigin: Sendable {
    var view: String
    var source: String
    /// Whether a NULL entity key or timestamp stops the read (a `sqlite` or `postgres` source: a
    /// user's table, whose rows `fs ingest` would refuse too) rather than leaving the row out (a
    /// `served_log` source: fs's own log, where a lookup's null entity value is no event).
    var requiresKeysAndTimes = false

    init(view: String, history: HistoryLocation) {
        self.view = view
        switch history {
        case .table(let table): source = table.source.name
        case .inPlace(let source):
            self.source = source.name
            requiresKeysAndTimes = source.kind == .postgres || source.kind == .sqlite
        }
    }

    /// The error for a NULL in `column`, which holds the row's `what` (`entity key`, `event
    /// timestamp`, `created timestamp`), when the source requires it; `nil` when the row is left out.
    func missing(_ statement: some RowCursor, _ column: Int32, _ what: String) -> FeatureStoreError? {
        guard requiresKeysAndTimes else { return nil }
        let name = statement.columnName(column)
        return .invalidInput(
            "feature view '\(view)': source '\(source)', column \(Quote.value(name)) holds NULL, but every row needs its \(what). Leave such rows out (a query with WHERE \(quoteIdentifier(name)) IS NOT NULL) or fill them in."
        )
    }

    /// The error for a bad value in `column` of the current row.
    func error(_ statement: some RowCursor, _ column: Int32, value: String, _ reason: String) -> FeatureStoreError {
        .invalidInput(
            "feature view '\(view)': source '\(source)', column \(Quote.value(statement.columnName(column))) holds \(value), which \(reason). Fix the rows of the source's table or query (or its schema and timestamp_format)."
        )
    }
}

/// Values of a source's rows read from SQLite, checked against their declared types: what a
/// `sqlite` source read in place holds is whatever its table or query yields, so nothing is
/// assumed (a history table, written by fs, always passes these checks).
enum SourceValues {
    /// A timestamp column in microseconds (nil for NULL): integers and reals as counts of the
    /// epoch unit of `format` (an error for `iso8601`, which has none), text as RFC 3339 (a time
    /// without a zone, as SQLite's `datetime()` writes it, is UTC) or, for the epoch formats, a
    /// count as text.
    static func time(_ statement: some RowCursor, _ column: Int32, _ format: TimestampFormat, origin: SourceOrigin)
        throws
        -> Int64?
    {
        switch statement.storage(column) {
        case .null:
            return nil
        case .integer:
            return try epoch(String(statement.int64(column)), statement, column, format, origin)
        case .real:
            let value = statement.double(column)
            guard value.isFinite else {
                throw origin.error(statement, column, value: "\(value)", "is not a finite number")
            }
            // The shortest text that reads back as this double, read exactly.
            return try epoch(value.description, statement, column, format, origin)
        case .text:
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
        _ text: String, _ statement: some RowCursor, _ column: Int32, _ format: TimestampFormat, _ origin: SourceOrigin
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

    /// An `int64` column (a key or a value; not NULL): an integer, or a real that is a whole number
    /// in range. Text is an error, not 0.
    @inline(__always)
    static func int64(_ statement: some RowCursor, _ column: Int32, origin: SourceOrigin) throws -> Int64 {
        let storage = statement.storage(column)
        if storage == .integer { return statement.int64(column) }
        if storage == .real {
            let value = statement.double(column)
            // -2^63 is exact as a double; 2^63 is the first double past Int64.max.
            guard value.isFinite, value == value.rounded(), value >= -9_223_372_036_854_775_808.0,
                value < 9_223_372_036_854_775_808.0
            else {
                throw origin.error(
                    statement, column, value: "the number \(value)",
                    "is not an int64 (a whole number from -9223372036854775808 to 9223372036854775807)")
            }
            return Int64(value)
        }
        throw wrongStorage(statement, column, storage, "int64", cast: "INTEGER", origin)
    }

    /// A `float64` column (not NULL): a finite real, or an integer.
    @inline(__always)
    static func double(_ statement: some RowCursor, _ column: Int32, origin: SourceOrigin) throws -> Double {
        let storage = statement.storage(column)
        if storage == .real {
            let value = statement.double(column)
            guard value.isFinite else {
                throw origin.error(
                    statement, column, value: "\(value)", "is not finite; fs stores only finite numbers")
            }
            return value
        }
        if storage == .integer { return Double(statement.int64(column)) }
        throw wrongStorage(statement, column, storage, "float64", cast: "REAL", origin)
    }

    /// A value column as `type` (NULL is null; timestamps in `format`, or microseconds when
    /// `format` is nil: a history table).
    static func value(
        _ statement: some RowCursor, _ column: Int32, _ type: ValueType, _ format: TimestampFormat?,
        origin: SourceOrigin
    ) throws -> FeatureValue {
        let storage = statement.storage(column)
        if storage == .null { return .null }
        switch type {
        case .int64:
            return .int64(try int64(statement, column, origin: origin))
        case .float64:
            return .float64(try double(statement, column, origin: origin))
        case .string:
            return .string(try text(statement, column, origin: origin))
        case .bool:
            let number = try int64(statement, column, origin: origin)
            guard number == 0 || number == 1 else {
                throw origin.error(statement, column, value: "the number \(number)", "is not a bool (0 or 1)")
            }
            return .bool(number == 1)
        case .bytes:
            return .bytes(statement.blob(column))
        case .timestamp:
            guard let format else { return .timestamp(Timestamp(microseconds: statement.int64(column))) }
            guard let time = try self.time(statement, column, format, origin: origin) else { return .null }
            return .timestamp(Timestamp(microseconds: time))
        }
    }

    /// A `string` column (not NULL): text that is valid UTF-8 (numbers as SQLite writes them).
    static func text(_ statement: some RowCursor, _ column: Int32, origin: SourceOrigin) throws -> String {
        try withText(statement, column, origin: origin) { String(decoding: $0, as: UTF8.self) }
    }

    /// Calls `body` with the UTF-8 of a `string` column (not NULL), once checked to be valid.
    static func withText<T>(
        _ statement: some RowCursor, _ column: Int32, origin: SourceOrigin, _ body: (UnsafeBufferPointer<UInt8>) -> T
    ) throws -> T {
        let checked = statement.withTextBytes(column) { bytes -> Result<T, FeatureStoreError> in
            if let offset = firstInvalidUTF8(bytes) {
                return .failure(
                    origin.error(
                        statement, column, value: Quote.value(utf8: bytes),
                        "is not valid UTF-8 (byte \(offset + 1)); store text as UTF-8"))
            }
            return .success(body(bytes))
        }
        return try checked.get()
    }

    private static func wrongStorage(
        _ statement: some RowCursor, _ column: Int32, _ storage: CellStorage, _ type: String, cast: String,
        _ origin: SourceOrigin
    ) -> FeatureStoreError {
        let value =
            storage == .text
            ? "the text " + statement.withTextBytes(column) { Quote.value(utf8: $0) } : "a blob"
        return origin.error(
            statement, column, value: value,
            "is not a number but the column is \(type); store numbers, or select CAST(column AS \(cast)) in the source's query"
        )
    }
}
