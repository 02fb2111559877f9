import FeatureStoreCore
import Foundation
import OfflineStoreSQLite
import PostgresClient
import SQLite

/// One random source stored two ways: a CSV file ingested into the SQLite store (kind `csv`), and
/// the rows of a PostgreSQL table read in place (kind `postgres`), each timestamp column in a
/// PostgreSQL type picked at random (with a `timestamp_format` that fits it). Rows have
/// same-second and same-microsecond events, created-time ties, exact duplicates, nulls and the
/// extremes of the supported years; no two different rows share key, event and created time (rows
/// read in place have no arrival order to break such a tie).
struct InPlaceScenario {
    /// How a timestamp column is stored in PostgreSQL.
    enum TimeType: String, CaseIterable {
        case timestamptz, timestamp, date, text, bigint
        case doublePrecision = "double precision"
        case numeric

        /// The finest step of the instants this type holds exactly under `format`, in microseconds.
        func step(_ format: TimestampFormat) -> Int64 {
            switch self {
            case .date: 86_400_000_000
            case .bigint: format == .epochSeconds ? 1_000_000 : format == .epochMilliseconds ? 1000 : 1
            case .doublePrecision: 1000
            default: 1
            }
        }

        /// The types a column may have under `format`.
        static func allowed(_ format: TimestampFormat) -> [TimeType] {
            switch format {
            case .iso8601: [.timestamptz, .timestamp, .date, .text]
            case .epochMicroseconds: [.timestamptz, .timestamp, .date, .text, .bigint, .numeric]
            case .epochMilliseconds, .epochSeconds:
                [.timestamptz, .timestamp, .text, .bigint, .doublePrecision, .numeric]
            }
        }
    }

    struct Row: Equatable {
        var key: String
        var event: Timestamp
        var created: Timestamp
        var a: Int64?
        var b: Double?
        var c: String?
        var flag: Bool?
        var seen: Timestamp?
    }

    static let bases = [
        Timestamp(seconds: 1_767_225_600),  // 2026-01-01T00:00:00Z
        Timestamp(seconds: -7200),  // before 1970: negative epoch counts
        Timestamp.parse("0001-01-01T06:00:00Z")!,
        Timestamp.parse("9999-12-30T12:00:00Z")!,
    ]

    let seed: UInt64
    let format: TimestampFormat
    let stringKey: Bool
    /// The PostgreSQL types of `ts`, `created` and `seen`.
    let eventType: TimeType
    let createdType: TimeType
    let seenType: TimeType
    /// The PostgreSQL types of the key and of `a`, `b`, `c`, `flag`.
    let keyType: String
    let valueTypes: [String]
    /// Read through a `query` rather than `table`, and whether the table is schema-qualified.
    let throughQuery: Bool
    let qualified: Bool
    let rows: [Row]
    let spine: [(key: String, time: Timestamp)]
    let ttl: TimeSpan
    var renderRNG: SplitMix64

    init(seed: UInt64) {
        var rng = SplitMix64(seed: seed &* 7919 &+ 17)
        func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
        func chance(_ percent: UInt64) -> Bool { rng.next() % 100 < percent }
        func below(_ n: Int64) -> Int64 { Int64(rng.next() % UInt64(n)) }
        self.seed = seed
        format = TimestampFormat.allCases[Int(seed % 4)]
        stringKey = seed % 3 == 1
        let allowed = TimeType.allowed(format)
        eventType = allowed[Int(seed / 4 % UInt64(allowed.count))]
        createdType = pick(allowed)
        seenType = pick(allowed)
        keyType = stringKey ? pick(["text", "varchar(12)"]) : pick(["bigint", "integer"])
        valueTypes = [
            pick(["bigint", "integer", "smallint"]), pick(["double precision", "real", "numeric"]),
            pick(["text", "varchar(20)"]),
            pick(["boolean", "smallint"]),
        ]
        throughQuery = chance(40)
        qualified = chance(50)
        ttl = pick([.zero, .seconds(1800), .seconds(3600), .seconds(7200)])
        let base = Self.bases[Int(seed / 2 % UInt64(Self.bases.count))]
        let keys = stringKey ? ["a", "b,c", "d\"q", "1"] : ["1", "2", "-3", "40000"]
        func instant(step: Int64) -> Timestamp {
            let slot = below(12) * 1800 * 1_000_000
            let jitter = pick([0, 1, 999_999, 1_000_000, below(1_000_000), below(60_000_000)])
            var micros = base.microseconds + slot + jitter
            micros -= ((micros % step) + step) % step
            return Timestamp(microseconds: max(micros, Timestamp.earliestValid.microseconds))
        }
        var rows: [Row] = []
        var taken = Set<[Int64]>()
        for _ in 0..<(30 + Int(below(50))) {
            if let last = rows.last, chance(8) {
                rows.append(last)  // an exact duplicate: two events, equal in everything
                continue
            }
            let key = pick(keys)
            // Same second, same microsecond: reuse an earlier row's event time.
            var event =
                rows.isEmpty || chance(60)
                ? instant(step: eventType.step(format)) : rows[Int(below(Int64(rows.count)))].event
            if event.microseconds % eventType.step(format) != 0 { event = instant(step: eventType.step(format)) }
            let createdStep = createdType.step(format)
            var created = Timestamp(microseconds: event.microseconds + below(3) * 60_000_000)
            created = Timestamp(
                microseconds: created.microseconds - ((created.microseconds % createdStep) + createdStep) % createdStep)
            let identity = [Int64(keys.firstIndex(of: key)!), event.microseconds, created.microseconds]
            guard taken.insert(identity).inserted else { continue }
            rows.append(
                Row(
                    key: key, event: event, created: created, a: chance(12) ? nil : below(2001) - 1000,
                    b: chance(12) ? nil : Double(below(2000) - 1000) / 8,
                    c: chance(12) ? nil : pick(["p", "q r", "s,t", "u\"v", "", "ü"]),
                    flag: chance(12) ? nil : chance(50),
                    seen: chance(15) ? nil : instant(step: seenType.step(format))))
        }
        self.rows = rows
        var spine: [(key: String, time: Timestamp)] = []
        for _ in 0..<(40 + Int(below(40))) {
            let key = chance(10) ? (stringKey ? "zz" : "99") : pick(keys)
            let time: Timestamp
            if chance(40), let row = rows.randomElement(using: &rng) {
                let moved = row.event.microseconds + pick([0, 0, 1, -1, 3_600_000_000])
                time = Timestamp(microseconds: max(moved, Timestamp.earliestValid.microseconds))
            } else {
                time = instant(step: 1)
            }
            spine.append((key, time))
        }
        self.spine = spine
        renderRNG = SplitMix64(seed: seed)
    }

    // MARK: Definitions

    static let keyColumn = "Driver Id"

    /// The source as both stores see it: `kind` csv (the SQLite side) or postgres.
    func source(kind: SourceKind, table: String? = nil, query: String? = nil) -> Source {
        Source(
            name: "rides", kind: kind, path: kind == .csv ? "rides.csv" : nil, table: table, query: query,
            timestampField: "ts", createdTimestampField: "created", fieldMapping: [Self.keyColumn: "k"],
            schema: [
                Field(name: Self.keyColumn, type: stringKey ? .string : .int64), Field(name: "ts", type: .timestamp),
                Field(name: "created", type: .timestamp), Field(name: "a", type: .int64),
                Field(name: "b", type: .float64), Field(name: "c", type: .string), Field(name: "flag", type: .bool),
                Field(name: "seen", type: .timestamp),
            ],
            timestampFormat: kind == .csv ? .iso8601 : format)
    }

    var entity: Entity { Entity(name: "e", joinKeys: [JoinKey(name: "k", valueType: stringKey ? .string : .int64)]) }

    var snapshotView: FeatureView {
        FeatureView(
            name: "latest", entities: ["e"], source: "rides", ttl: ttl,
            features: [
                Feature(name: "a", type: .int64), Feature(name: "b", type: .float64),
                Feature(name: "c", type: .string), Feature(name: "flag", type: .bool),
                Feature(name: "seen", type: .timestamp),
            ])
    }

    var aggregateView: FeatureView {
        func aggregation(_ column: String, _ type: ValueType, _ function: AggregationFunction, _ window: TimeSpan)
            -> Aggregation
        {
            Aggregation(
                column: column, function: function, window: window, name: "\(column)_\(function.rawValue)_\(window)",
                inputType: type)
        }
        return FeatureView(
            name: "windows", entities: ["e"], source: "rides",
            aggregations: [
                aggregation("b", .float64, .count, .hours(1)), aggregation("a", .int64, .sum, .hours(2)),
                aggregation("b", .float64, .avg, .days(1)), aggregation("b", .float64, .min, .hours(1)),
                aggregation("a", .int64, .max, .days(1)), aggregation("c", .string, .last, .hours(2)),
                aggregation("c", .string, .countDistinct, .days(1)), aggregation("b", .float64, .sum, .hours(6)),
                aggregation("seen", .timestamp, .max, .days(1)),
            ])
    }

    var definitions: RepoDefinitions {
        RepoDefinitions(
            entities: [entity], sources: [source(kind: .csv)], featureViews: [snapshotView, aggregateView])
    }

    /// Both views' requests, over `history`.
    func requests(_ history: HistoryLocation) -> [TrainingSetView] {
        [snapshotView, aggregateView].map { view in
            TrainingSetView(
                view: view, joinKeys: entity.joinKeys, history: history, features: view.outputFeatures,
                outputNames: view.outputFeatures.map { "\(view.name)__\($0.name)" })
        }
    }

    // MARK: The CSV (SQLite side)

    /// The rows as the CSV file `fs ingest` reads (RFC 3339 in random offsets).
    mutating func csv() -> String {
        var text = ([Self.keyColumn, "ts", "created", "a", "b", "c", "flag", "seen"].map(csvField)).joined(
            separator: ",")
        text += "\n"
        for row in rows {
            var fields = [csvField(row.key), render(row.event), render(row.created)]
            fields.append(row.a.map { "\($0)" } ?? "")
            fields.append(row.b.map { "\($0)" } ?? "")
            // Quoted: an empty string is "", an unquoted empty field is null.
            fields.append(row.c.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" } ?? "")
            fields.append(row.flag.map { $0 ? "true" : "false" } ?? "")
            fields.append(row.seen.map { render($0) } ?? "")
            text += fields.joined(separator: ",") + "\n"
        }
        return text
    }

    private mutating func render(_ time: Timestamp) -> String { JoinScenario.render(time, &renderRNG) }

    /// The spine as CSV.
    var spineCSV: String {
        "k,event_timestamp\n" + spine.map { "\(csvField($0.key)),\($0.time.rfc3339)\n" }.joined()
    }

    // MARK: The table (PostgreSQL side)

    /// The table's name as `table:` spells it, and quoted for SQL.
    var tableName: (spelled: String, quoted: String) {
        let name = "Rides \"raw\" \(seed)"
        return qualified ? ("ext.\(name)", "ext.\(quoteIdentifier(name))") : (name, quoteIdentifier(name))
    }

    /// Creates the table and inserts the rows, in `session`.
    mutating func load(into session: PostgresSession) throws {
        let table = tableName.quoted
        let columns = [
            (Self.keyColumn, keyType), ("ts", eventType.sqlType), ("created", createdType.sqlType),
            ("a", valueTypes[0]), ("b", valueTypes[1]), ("c", valueTypes[2]), ("flag", valueTypes[3]),
            ("seen", seenType.sqlType),
        ]
        try session.query("CREATE SCHEMA IF NOT EXISTS ext")
        try session.query("DROP TABLE IF EXISTS \(table)")
        try session.query(
            "CREATE TABLE \(table) (\(columns.map { "\(quoteIdentifier($0.0)) \($0.1)" }.joined(separator: ", ")))")
        let placeholders = columns.enumerated().map { "$\($0.offset + 1)::\($0.element.1)" }.joined(separator: ", ")
        for row in rows {
            var values: [PostgresValue] = [stringKey ? .text(row.key) : .integer(Int64(row.key)!)]
            values.append(time(row.event, eventType))
            values.append(time(row.created, createdType))
            values.append(row.a.map { PostgresValue.integer($0) } ?? .null)
            values.append(row.b.map { PostgresValue.real($0) } ?? .null)
            values.append(row.c.map { PostgresValue.text($0) } ?? .null)
            let boolean = valueTypes[3] == "boolean"
            values.append(
                row.flag.map { boolean ? PostgresValue.text($0 ? "true" : "false") : PostgresValue.integer($0 ? 1 : 0) }
                    ?? .null)
            if let seen = row.seen { values.append(time(seen, seenType)) } else { values.append(.null) }
            try session.query("INSERT INTO \(table) VALUES (\(placeholders))", values)
        }
    }

    /// `time` as a value of a column of `type` (under the scenario's format).
    private mutating func time(_ time: Timestamp, _ type: TimeType) -> PostgresValue {
        let micros = time.microseconds
        let exponent: Int64 = format == .epochSeconds ? 1_000_000 : format == .epochMilliseconds ? 1000 : 1
        switch type {
        case .timestamptz: return .text(render(time))
        case .timestamp:
            var text = time.rfc3339
            text.removeLast()  // Z: the UTC wall clock, without a zone
            return .text(text.replacingOccurrences(of: "T", with: " "))
        case .date: return .text(String(time.rfc3339.prefix(10)))
        case .text:
            // An epoch format also reads a count as text.
            return format != .iso8601 && renderRNG.next() % 2 == 0
                ? .text(Self.decimal(micros, exponent)) : .text(render(time))
        case .bigint: return .integer(micros / exponent)
        case .doublePrecision: return .real(Double(Self.decimal(micros, exponent))!)
        case .numeric: return .text(Self.decimal(micros, exponent))
        }
    }

    /// `micros / unit` written exactly as a decimal.
    static func decimal(_ micros: Int64, _ unit: Int64) -> String {
        let sign = micros < 0 ? "-" : ""
        let magnitude = micros.magnitude
        let whole = magnitude / UInt64(unit)
        let fraction = magnitude % UInt64(unit)
        guard fraction != 0 else { return sign + "\(whole)" }
        let digits = String(unit).count - 1
        let padded = String(repeating: "0", count: digits - String(fraction).count) + String(fraction)
        return sign + "\(whole)." + padded
    }
}

extension InPlaceScenario.TimeType {
    var sqlType: String {
        switch self {
        case .timestamptz: "timestamptz"
        case .timestamp: "timestamp"
        case .date: "date"
        case .text: "text"
        case .bigint: "bigint"
        case .doublePrecision: "double precision"
        case .numeric: "numeric"
        }
    }
}
