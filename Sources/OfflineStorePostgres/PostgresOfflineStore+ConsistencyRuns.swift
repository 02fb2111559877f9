import FeatureStoreCore
import OfflineStoreSQLite
import PostgresClient
import SQLite

/// The table of `fs consistency` results, as the SQLite store keeps it: one row per run and feature.
extension PostgresOfflineStore {
    static let consistencyTable = ServedLogReading.consistencyTable

    /// Stores a run's figures in one transaction (a run of the same service at the same
    /// microsecond replaces it, feature by feature, as SQLite's INSERT OR REPLACE).
    public func saveConsistencyRun(_ run: ServedConsistencyRun) throws {
        try write { transaction in
            let table = qualified(Self.consistencyTable)
            if try !tableExists(Self.consistencyTable, transaction) {
                try transaction.query(
                    "SELECT pg_advisory_xact_lock(hashtext($1))", [.text("fs-offline:\(settings.schema)")])
                try transaction.query(
                    """
                    CREATE TABLE IF NOT EXISTS \(table) (
                        service TEXT NOT NULL, run_at BIGINT NOT NULL, range_from BIGINT, range_to BIGINT,
                        view TEXT NOT NULL, feature TEXT NOT NULL, checked BIGINT NOT NULL, mismatches BIGINT NOT NULL,
                        missing BIGINT NOT NULL, extra BIGINT NOT NULL, late BIGINT NOT NULL,
                        mean_abs_error DOUBLE PRECISION, smape DOUBLE PRECISION,
                        PRIMARY KEY (service, run_at, view, feature))
                    """)
            }
            // One row per feature (a later duplicate of a feature wins, as a second REPLACE would).
            var latest: [String: Int] = [:]
            for (index, figures) in run.features.enumerated() {
                latest[figures.view + "\u{0}" + figures.feature] = index
            }
            let features = run.features.enumerated().filter { latest[$1.view + "\u{0}" + $1.feature] == $0 }.map(\.1)
            if features.isEmpty { return }
            var views = PostgresArray(.text, capacity: features.count)
            var names = PostgresArray(.text, capacity: features.count)
            var counts = (0..<5).map { _ in PostgresArray(.bigint, capacity: features.count) }
            var errors = (0..<2).map { _ in PostgresArray(.doublePrecision, capacity: features.count) }
            for figures in features {
                views.append(text: figures.view)
                names.append(text: figures.feature)
                for (index, count) in [
                    figures.checked, figures.mismatches, figures.missing, figures.extra, figures.late,
                ].enumerated() {
                    counts[index].append(Int64(count))
                }
                for (index, value) in [figures.meanAbsoluteError, figures.smape].enumerated() {
                    // As SQLite stores a REAL: NaN as NULL.
                    if let value, !value.isNaN {
                        errors[index].append(value == 0 ? 0 : value)
                    } else {
                        errors[index].appendNull()
                    }
                }
            }
            try transaction.query(
                """
                INSERT INTO \(table) (service, run_at, range_from, range_to, view, feature, checked, mismatches, missing,
                    extra, late, mean_abs_error, smape)
                SELECT $1, $2, $3, $4, v, f, c, m, mi, e, l, a, s
                FROM unnest($5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[],
                    $11::bigint[], $12::double precision[], $13::double precision[]) AS u(v, f, c, m, mi, e, l, a, s)
                ON CONFLICT (service, run_at, view, feature) DO UPDATE SET range_from = excluded.range_from,
                    range_to = excluded.range_to, checked = excluded.checked, mismatches = excluded.mismatches,
                    missing = excluded.missing, extra = excluded.extra, late = excluded.late,
                    mean_abs_error = excluded.mean_abs_error, smape = excluded.smape
                """,
                [
                    .text(run.service), .integer(run.runAt.microseconds),
                    run.from.map { .integer($0.microseconds) } ?? .null,
                    run.to.map { .integer($0.microseconds) } ?? .null, .array(views), .array(names),
                ] + counts.map(PostgresValue.array) + errors.map(PostgresValue.array))
        }
    }

    /// The latest stored run of each service, by service name (features by view and feature).
    public func latestConsistencyRuns() throws -> [ServedConsistencyRun] {
        try read { reader in
            guard try tableExists(Self.consistencyTable, reader.transaction) else { return [] }
            let table = qualified(Self.consistencyTable)
            let rows = try reader.transaction.query(
                """
                SELECT r.service, r.run_at, r.range_from, r.range_to, r.view, r.feature, r.checked, r.mismatches,
                    r.missing, r.extra, r.late, r.mean_abs_error, r.smape
                FROM \(table) r
                JOIN (SELECT service, MAX(run_at) AS run_at FROM \(table) GROUP BY service) latest
                    ON r.service = latest.service AND r.run_at = latest.run_at
                ORDER BY r.service COLLATE "C", r.view COLLATE "C", r.feature COLLATE "C"
                """)
            var runs: [ServedConsistencyRun] = []
            for row in rows {
                let service = try row.text(0)
                if runs.last?.service != service {
                    runs.append(
                        ServedConsistencyRun(
                            service: service, runAt: Timestamp(microseconds: try row.int64(1)),
                            from: row.isNull(2) ? nil : Timestamp(microseconds: try row.int64(2)),
                            to: row.isNull(3) ? nil : Timestamp(microseconds: try row.int64(3)), features: []))
                }
                runs[runs.count - 1].features.append(
                    ServedConsistencyFigures(
                        view: try row.text(4), feature: try row.text(5), checked: Int(try row.int64(6)),
                        mismatches: Int(try row.int64(7)), missing: Int(try row.int64(8)),
                        extra: Int(try row.int64(9)), late: Int(try row.int64(10)),
                        meanAbsoluteError: row.isNull(11) ? nil : try row.double(11),
                        smape: row.isNull(12) ? nil : try row.double(12)))
            }
            return runs
        }
    }
}
