import FeatureStoreCore
import SQLite

/// What a column of a `postgres` source is in PostgreSQL, as far as reading it in place goes
/// (a domain by its base type), and how the generated SELECT turns it into the cells the shared
/// row readers take (integers, doubles, text, bytes: ``SourceValues`` then checks each value).
enum PostgresInPlaceColumnType: Equatable {
    /// `smallint`, `integer`, `bigint`.
    case integer
    /// `real`, `double precision`.
    case floating
    case numeric
    case boolean
    /// `text`, `varchar`, `char(n)`, `name` and other types of PostgreSQL's string category (`citext`).
    case text
    case bytea
    case timestampWithZone
    case timestamp
    case date
    case other

    /// - Parameters:
    ///   - oid: the type's OID (the base type's, for a domain).
    ///   - category: its `pg_type.typcategory`.
    init(oid: Int64, category: String) {
        switch oid {
        case 20, 21, 23: self = .integer
        case 700, 701: self = .floating
        case 1700: self = .numeric
        case 16: self = .boolean
        case 17: self = .bytea
        case 1184: self = .timestampWithZone
        case 1114: self = .timestamp
        case 1082: self = .date
        default: self = category == "S" ? .text : .other
        }
    }

    /// The SQL that reads `column` (quoted) as `type`, or `nil` when this type cannot be read as it.
    ///
    /// Date and time types become ISO text in UTC (`2026-01-31 12:00:00.25`, read as UTC, to the
    /// microsecond; the caller sets `DateStyle` to ISO): `timestamptz` at UTC, `timestamp` as
    /// written, a `date` at midnight. Infinities and years outside 0001 to 9999 stay text the
    /// timestamp parser refuses with the value (`infinity`, `0044-03-15 00:00:00 BC`).
    func expression(_ column: String, as type: ValueType) -> String? {
        switch (type, self) {
        case (.timestamp, .timestampWithZone): "(\(column) AT TIME ZONE 'UTC')::text"
        case (.timestamp, .timestamp), (.timestamp, .numeric), (.timestamp, .text): "(\(column))::text"
        case (.timestamp, .date): "(\(column))::timestamp::text"
        case (.timestamp, .integer), (.timestamp, .floating): column
        case (.int64, .integer), (.int64, .floating): column
        case (.float64, .integer), (.float64, .floating): column
        // The nearest double, as a float64 read from a file is.
        case (.float64, .numeric): "(\(column))::double precision"
        case (.bool, .boolean), (.bool, .integer), (.bool, .floating): column
        case (.string, .bytea): nil
        case (.string, _): "(\(column))::text"
        case (.bytes, .bytea): column
        case (.bytes, .text): "(\(column))::text"
        default: nil
        }
    }

    /// The PostgreSQL types a column read as `type` may have, and the cast to write in a query
    /// for another one (for messages).
    static func accepted(for type: ValueType) -> (types: String, cast: String) {
        switch type {
        case .int64:
            ("smallint, integer or bigint (or real and double precision holding whole numbers)", "bigint")
        case .float64: ("smallint, integer, bigint, real, double precision or numeric", "double precision")
        case .bool: ("boolean (or an integer 0 or 1)", "boolean")
        case .string: ("any type but bytea (read as its text)", "text")
        case .bytes: ("bytea or a text type", "bytea")
        case .timestamp:
            (
                "timestamp with time zone, timestamp (read as UTC), date (midnight UTC), a text type (RFC 3339, or a count as text) or a number (a count of the timestamp_format's unit)",
                "timestamptz"
            )
        }
    }
}
