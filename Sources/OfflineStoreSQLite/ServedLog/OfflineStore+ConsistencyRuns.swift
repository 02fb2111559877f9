import FeatureStoreCore
import SQLite

/// One feature's figures in a run of `fs consistency`: how many logged rows were checked and how
/// many disagreed with the offline point-in-time value, by kind.
public struct ServedConsistencyFigures: Sendable, Codable, Hashable {
    public var view: String
    public var feature: String
    /// Logged rows compared.
    public var checked: Int
    /// Rows whose served value is not the offline one (``missing`` and ``extra`` included; ``late``
    /// not).
    public var mismatches: Int
    /// Served null (not found, null value, outside max age) where the offline value is not null.
    public var missing: Int
    /// Served a value where the offline value is null.
    public var extra: Int
    /// Rows that differ because the offline row was created after the lookup (late data: the
    /// server could not have known it); not mismatches.
    public var late: Int
    /// Numeric features: the mean absolute error over the rows where both sides have a finite
    /// value (late rows excluded); `nil` when there are none.
    public var meanAbsoluteError: Double?
    /// Numeric features: the mean symmetric absolute percentage error `|s - o| / ((|s| + |o|) / 2)`
    /// (0 when both are 0) over the same rows, from 0 to 2.
    public var smape: Double?

    public init(
        view: String, feature: String, checked: Int = 0, mismatches: Int = 0, missing: Int = 0, extra: Int = 0,
        late: Int = 0, meanAbsoluteError: Double? = nil, smape: Double? = nil
    ) {
        self.view = view
        self.feature = feature
        self.checked = checked
        self.mismatches = mismatches
        self.missing = missing
        self.extra = extra
        self.late = late
        self.meanAbsoluteError = meanAbsoluteError
        self.smape = smape
    }

    /// ``mismatches`` over ``checked`` (0 when nothing was checked).
    public var mismatchRatio: Double { ratio(mismatches) }
    public var missingRatio: Double { ratio(missing) }
    public var extraRatio: Double { ratio(extra) }
    public var lateRatio: Double { ratio(late) }

    private func ratio(_ count: Int) -> Double { checked == 0 ? 0 : Double(count) / Double(checked) }
}

/// One stored run of `fs consistency`.
public struct ServedConsistencyRun: Sendable, Codable, Hashable {
    public var service: String
    public var runAt: Timestamp
    /// The log range checked (`nil`: unbounded).
    public var from: Timestamp?
    public var to: Timestamp?
    public var features: [ServedConsistencyFigures]

    public init(
        service: String, runAt: Timestamp, from: Timestamp?, to: Timestamp?, features: [ServedConsistencyFigures]
    ) {
        self.service = service
        self.runAt = runAt
        self.from = from
        self.to = to
        self.features = features
    }
}

/// The table of `fs consistency` results: one row per run and feature.
enum ConsistencyTable {
    static let name = "consistency_results"
    static let schema = """
        CREATE TABLE IF NOT EXISTS consistency_results (
            service TEXT NOT NULL, run_at INTEGER NOT NULL, range_from INTEGER, range_to INTEGER,
            view TEXT NOT NULL, feature TEXT NOT NULL, checked INTEGER NOT NULL, mismatches INTEGER NOT NULL,
            missing INTEGER NOT NULL, extra INTEGER NOT NULL, late INTEGER NOT NULL, mean_abs_error REAL, smape REAL,
            PRIMARY KEY (service, run_at, view, feature)) WITHOUT ROWID;
        """
}

extension OfflineStore {
    /// Stores a run's figures, in one transaction (a run of the same service at the same
    /// microsecond replaces it).
    public func saveConsistencyRun(_ run: ServedConsistencyRun) throws {
        try storage {
            try database.transaction {
                try database.execute(ConsistencyTable.schema)
                let insert = try database.prepare(
                    "INSERT OR REPLACE INTO consistency_results (service, run_at, range_from, range_to, view, feature, checked, mismatches, missing, extra, late, mean_abs_error, smape) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                )
                for figures in run.features {
                    insert.reset()
                    try insert.run([
                        .text(run.service), .integer(run.runAt.microseconds),
                        run.from.map { .integer($0.microseconds) } ?? .null,
                        run.to.map { .integer($0.microseconds) } ?? .null, .text(figures.view), .text(figures.feature),
                        .integer(Int64(figures.checked)), .integer(Int64(figures.mismatches)),
                        .integer(Int64(figures.missing)), .integer(Int64(figures.extra)),
                        .integer(Int64(figures.late)), figures.meanAbsoluteError.map { .real($0) } ?? .null,
                        figures.smape.map { .real($0) } ?? .null,
                    ])
                }
            }
        }
    }

    /// The latest stored run of each service, by service name.
    public func latestConsistencyRuns() throws -> [ServedConsistencyRun] {
        try storage {
            guard try database.tableExists(ConsistencyTable.name) else { return [] }
            let statement = try database.prepare(
                """
                SELECT r.service, r.run_at, r.range_from, r.range_to, r.view, r.feature, r.checked, r.mismatches,
                    r.missing, r.extra, r.late, r.mean_abs_error, r.smape
                FROM consistency_results r
                JOIN (SELECT service, MAX(run_at) AS run_at FROM consistency_results GROUP BY service) latest
                    ON r.service = latest.service AND r.run_at = latest.run_at
                ORDER BY r.service, r.view, r.feature
                """)
            var runs: [ServedConsistencyRun] = []
            while try statement.step() {
                let service = statement.text(0)
                if runs.last?.service != service {
                    runs.append(
                        ServedConsistencyRun(
                            service: service, runAt: Timestamp(microseconds: statement.int64(1)),
                            from: statement.isNull(2) ? nil : Timestamp(microseconds: statement.int64(2)),
                            to: statement.isNull(3) ? nil : Timestamp(microseconds: statement.int64(3)), features: []))
                }
                runs[runs.count - 1].features.append(
                    ServedConsistencyFigures(
                        view: statement.text(4), feature: statement.text(5), checked: Int(statement.int64(6)),
                        mismatches: Int(statement.int64(7)), missing: Int(statement.int64(8)),
                        extra: Int(statement.int64(9)), late: Int(statement.int64(10)),
                        meanAbsoluteError: statement.isNull(11) ? nil : statement.double(11),
                        smape: statement.isNull(12) ? nil : statement.double(12)))
            }
            return runs
        }
    }
}
