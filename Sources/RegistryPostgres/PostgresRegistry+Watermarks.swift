import FeatureRegistry
import FeatureStoreCore
import PostgresClient

extension PostgresRegistry {
    /// The watermark of each view, for the view's current generation in `snapshot`.
    public func watermarks(for snapshot: RegistrySnapshot) throws -> [String: Watermark] {
        let rows = try session.query(
            "SELECT view, generation, watermark, arrival, updated_at FROM \(schema).materialization_watermarks")
        var result: [String: Watermark] = [:]
        for row in rows {
            let view = try row.text(0)
            let generation = try row.int64(1)
            guard snapshot.record(.featureView, view)?.generation == generation else { continue }
            result[view] = Watermark(
                view: view, generation: generation, watermark: Timestamp(microseconds: try row.int64(2)),
                arrival: try row.int64(3), updatedAt: Timestamp(microseconds: try row.int64(4)))
        }
        return result
    }

    /// Moves the watermarks of views forward (never back, and never past `now`), in one
    /// transaction, and drops the watermarks of views no longer registered.
    public func advanceWatermarks(_ marks: [WatermarkAdvance], now: Timestamp) throws {
        try session.transaction { transaction in
            for mark in marks {
                try transaction.query(
                    """
                    INSERT INTO \(schema).materialization_watermarks AS w (view, generation, watermark, arrival, updated_at)
                    VALUES ($1, $2, LEAST($3::BIGINT, $5::BIGINT), COALESCE($4::BIGINT, 0), $5::BIGINT)
                    ON CONFLICT (view, generation) DO UPDATE SET
                    watermark = LEAST(GREATEST(w.watermark, excluded.watermark), $5::BIGINT),
                    arrival = COALESCE($4::BIGINT, w.arrival), updated_at = excluded.updated_at
                    """,
                    [
                        .text(mark.view), .integer(mark.generation), .integer(mark.to.microseconds),
                        mark.arrival.map { .integer($0) } ?? .null, .integer(now.microseconds),
                    ])
            }
            try transaction.query(
                """
                DELETE FROM \(schema).materialization_watermarks
                WHERE view NOT IN (SELECT name FROM \(schema).registry_objects WHERE kind = 'feature_view')
                """)
        }
    }
}
