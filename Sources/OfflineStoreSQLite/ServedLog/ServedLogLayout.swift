import FeatureStoreCore
import SQLite

/// The columns of one feature service's served-vector log, in Feast's names: the join keys, then
/// per feature `{view}__{feature}`, `{view}__{feature}__timestamp` and `{view}__{feature}__status`,
/// then `__log_timestamp`, `__request_id` and `__service_version`.
///
/// One row per logged entity row of a lookup. Times are microseconds since the epoch (like the
/// history tables), statuses Feast's names (`PRESENT`, `NOT_FOUND`, `NULL_VALUE`,
/// `OUTSIDE_MAX_AGE`). The table is `served_log_<service>`; a feature or join key the service
/// gains later is added as a column in place (earlier rows read null there).
public struct ServedLogLayout: Hashable, Sendable {
    /// One logged feature.
    public struct LoggedFeature: Hashable, Sendable {
        public var view: String
        public var feature: String
        public var type: ValueType

        public init(view: String, feature: String, type: ValueType) {
            self.view = view
            self.feature = feature
            self.type = type
        }

        /// `{view}__{feature}`.
        public var column: String { "\(view)__\(feature)" }
        public var timestampColumn: String { column + "__timestamp" }
        public var statusColumn: String { column + "__status" }
    }

    public var service: String
    public var keys: [Field]
    public var features: [LoggedFeature]

    public init(service: String, keys: [Field], features: [LoggedFeature]) {
        self.service = service
        self.keys = keys
        self.features = features
    }

    /// The layout of `service`'s lookups resolved as `plan`: its join keys, then its features in
    /// the plan's order of views.
    public init(service: String, plan: OnlineReadPlan) {
        var features: [LoggedFeature] = []
        for read in plan.reads {
            for feature in read.features {
                features.append(
                    .init(
                        view: read.view.name, feature: feature, type: read.view.feature(named: feature)?.type ?? .string
                    ))
            }
        }
        self.init(
            service: service, keys: plan.joinKeys.map { Field(name: $0.name, type: $0.valueType) }, features: features)
    }

    public static let logTimestampColumn = ServedLogColumns.logTimestamp
    public static let requestIDColumn = ServedLogColumns.requestID
    public static let serviceVersionColumn = ServedLogColumns.serviceVersion
    /// The row's arrival number (SQLite's rowid).
    public static let sequenceColumn = "__log_seq"

    /// `served_log_<service>`.
    public static func tableName(service: String) -> String { "served_log_\(service)" }
    public var tableName: String { Self.tableName(service: service) }

    /// Every column an insert fills, in order, with its SQLite declaration.
    var columns: [(name: String, declaration: String)] {
        var columns = keys.map { ($0.name, $0.type.sqliteType) }
        for feature in features {
            columns.append((feature.column, feature.type.sqliteType))
            columns.append((feature.timestampColumn, "INTEGER"))
            columns.append((feature.statusColumn, "TEXT"))
        }
        columns.append((Self.logTimestampColumn, "INTEGER NOT NULL DEFAULT 0"))
        columns.append((Self.requestIDColumn, "TEXT NOT NULL DEFAULT ''"))
        columns.append((Self.serviceVersionColumn, "INTEGER NOT NULL DEFAULT 0"))
        return columns
    }

    /// The names of ``columns``, in order.
    public var columnNames: [String] { columns.map(\.name) }

    var createSQL: String {
        let declared = columns.map { "\(quoteIdentifier($0.name)) \($0.declaration)" }
        return
            "CREATE TABLE IF NOT EXISTS \(quoteIdentifier(tableName)) (\(quoteIdentifier(Self.sequenceColumn)) INTEGER PRIMARY KEY, \(declared.joined(separator: ", ")))"
    }

    var indexSQL: [String] {
        [
            "CREATE INDEX IF NOT EXISTS \(quoteIdentifier(tableName + "__log_ts")) ON \(quoteIdentifier(tableName)) (\(Self.logTimestampColumn))",
            "CREATE INDEX IF NOT EXISTS \(quoteIdentifier(tableName + "__request_id")) ON \(quoteIdentifier(tableName)) (\(Self.requestIDColumn))",
        ]
    }
}

/// One logged entity row of a lookup, in the order of a ``ServedLogLayout``.
public struct ServedLogRow: Hashable, Sendable {
    /// One value per ``ServedLogLayout/keys`` entry.
    public var keys: [FeatureValue]
    /// One value per ``ServedLogLayout/features`` entry.
    public var values: [OnlineValue]
    public var logTimestamp: Timestamp
    public var requestID: String
    public var serviceVersion: Int64

    public init(
        keys: [FeatureValue], values: [OnlineValue], logTimestamp: Timestamp, requestID: String, serviceVersion: Int64
    ) {
        self.keys = keys
        self.values = values
        self.logTimestamp = logTimestamp
        self.requestID = requestID
        self.serviceVersion = serviceVersion
    }
}

extension FeatureValue {
    /// The value as stored in a SQLite column (times in microseconds, bools 0/1).
    var sqliteValue: SQLiteValue {
        switch self {
        case .null: .null
        case .int64(let v): .integer(v)
        case .float64(let v): .real(v)
        case .string(let v): .text(v)
        case .bool(let v): .integer(v ? 1 : 0)
        case .bytes(let v): .blob(v)
        case .timestamp(let v): .integer(v.microseconds)
        }
    }

    /// The value as it reads back from a SQLite column: SQLite stores a NaN as NULL and a -0.0 as
    /// 0.0 (every other double exactly, infinities included).
    public var asStoredInSQLite: FeatureValue {
        guard case .float64(let v) = self else { return self }
        if v.isNaN { return .null }
        if v == 0 { return .float64(0) }
        return self
    }
}
