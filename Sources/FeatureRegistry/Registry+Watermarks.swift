import FeatureStoreCore
import SQLite

/// How far a view has been materialized: every row with an event time up to `watermark` that
/// had arrived by arrival number `arrival` is online.
public struct Watermark: Hashable, Sendable, Codable {
    public var view: String
    /// The view generation the watermark belongs to; a new generation starts from nothing.
    public var generation: Int64
    public var watermark: Timestamp
    /// The offline store's last arrival number when the last incremental run started: rows that
    /// arrived after it are read by the next run whatever their event time (late rows).
    public var arrival: Int64
    public var updatedAt: Timestamp

    public init(view: String, generation: Int64, watermark: Timestamp, arrival: Int64, updatedAt: Timestamp) {
        self.view = view
        self.generation = generation
        self.watermark = watermark
        self.arrival = arrival
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case view, generation, watermark, arrival
        case updatedAt = "updated_at"
    }
}

/// Moves one view's watermark (and, after an incremental run, its arrival mark).
public struct WatermarkAdvance: Sendable {
    public var view: String
    public var generation: Int64
    public var to: Timestamp
    /// The arrival number the run read late rows up to; `nil` leaves the mark as it is.
    public var arrival: Int64?

    public init(view: String, generation: Int64, to: Timestamp, arrival: Int64?) {
        self.view = view
        self.generation = generation
        self.to = to
        self.arrival = arrival
    }
}

extension Registry {
    /// The watermark of each view, for the view's current generation in `snapshot`.
    public func watermarks(for snapshot: RegistrySnapshot) throws -> [String: Watermark] {
        try storage {
            let statement = try database.prepare(
                "SELECT view, generation, watermark, arrival, updated_at FROM materialization_watermarks")
            var result: [String: Watermark] = [:]
            while try statement.step() {
                let view = statement.text(0)
                let generation = statement.int64(1)
                guard snapshot.record(.featureView, view)?.generation == generation else { continue }
                result[view] = Watermark(
                    view: view, generation: generation, watermark: Timestamp(microseconds: statement.int64(2)),
                    arrival: statement.int64(3), updatedAt: Timestamp(microseconds: statement.int64(4)))
            }
            return result
        }
    }

    /// Moves the watermarks of views forward (never back, and never past `now`: a watermark left
    /// in the future by an earlier version is brought back to `now`), in one transaction. Call it
    /// only after the materialized data is durable.
    public func advanceWatermarks(_ marks: [WatermarkAdvance], now: Timestamp) throws {
        try storage {
            try database.transaction {
                let statement = try database.prepare(
                    """
                    INSERT INTO materialization_watermarks (view, generation, watermark, arrival, updated_at)
                    VALUES (?1, ?2, min(?3, ?5), coalesce(?4, 0), ?5)
                    ON CONFLICT (view, generation) DO UPDATE SET
                    watermark = min(max(watermark, excluded.watermark), ?5),
                    arrival = coalesce(?4, arrival), updated_at = excluded.updated_at
                    """)
                for mark in marks {
                    try statement.run([
                        .text(mark.view), .integer(mark.generation), .integer(mark.to.microseconds),
                        mark.arrival.map { .integer($0) } ?? .null, .integer(now.microseconds),
                    ])
                }
                try database.execute(
                    "DELETE FROM materialization_watermarks WHERE view NOT IN (SELECT name FROM registry_objects WHERE kind = 'feature_view')"
                )
            }
        }
    }
}
