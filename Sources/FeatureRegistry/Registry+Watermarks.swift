import FeatureStoreCore
import SQLite

/// How far a view has been materialized: every row with an event time up to `watermark` is online.
public struct Watermark: Hashable, Sendable, Codable {
    public var view: String
    /// The view generation the watermark belongs to; a new generation starts from nothing.
    public var generation: Int64
    public var watermark: Timestamp
    public var updatedAt: Timestamp

    enum CodingKeys: String, CodingKey {
        case view, generation, watermark
        case updatedAt = "updated_at"
    }
}

extension Registry {
    /// The watermark of each view, for the view's current generation in `snapshot`.
    public func watermarks(for snapshot: RegistrySnapshot) throws -> [String: Watermark] {
        try storage {
            let statement = try database.prepare(
                "SELECT view, generation, watermark, updated_at FROM materialization_watermarks")
            var result: [String: Watermark] = [:]
            while try statement.step() {
                let view = statement.text(0)
                let generation = statement.int64(1)
                guard snapshot.record(.featureView, view)?.generation == generation else { continue }
                result[view] = Watermark(
                    view: view, generation: generation, watermark: Timestamp(microseconds: statement.int64(2)),
                    updatedAt: Timestamp(microseconds: statement.int64(3)))
            }
            return result
        }
    }

    /// Moves the watermarks of views forward (never back), in one transaction. Call it only after the
    /// materialized data is durable.
    public func advanceWatermarks(_ marks: [(view: String, generation: Int64, to: Timestamp)], now: Timestamp) throws {
        try storage {
            try database.transaction {
                let statement = try database.prepare(
                    """
                    INSERT INTO materialization_watermarks (view, generation, watermark, updated_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (view, generation) DO UPDATE SET watermark = max(watermark, excluded.watermark),
                    updated_at = excluded.updated_at
                    """)
                for mark in marks {
                    try statement.run([
                        .text(mark.view), .integer(mark.generation), .integer(mark.to.microseconds),
                        .integer(now.microseconds),
                    ])
                }
                try database.execute(
                    "DELETE FROM materialization_watermarks WHERE view NOT IN (SELECT name FROM registry_objects WHERE kind = 'feature_view')"
                )
            }
        }
    }
}
