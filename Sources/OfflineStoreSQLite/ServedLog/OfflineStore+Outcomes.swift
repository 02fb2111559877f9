import FeatureStoreCore
import SQLite

/// The outcomes table beside the served logs: one row per (request, name, value), with the
/// outcome's event time and when it was received. Several outcomes of one name for one request
/// are all kept (a prediction corrected, a label revised); readers take the latest by event time.
enum OutcomesTable {
    static let name = "served_log_outcomes"
    static let createSQL = """
        CREATE TABLE IF NOT EXISTS served_log_outcomes (
            __outcome_seq INTEGER PRIMARY KEY, request_id TEXT NOT NULL, name TEXT NOT NULL,
            event_ts INTEGER NOT NULL, received_ts INTEGER NOT NULL, value_type TEXT NOT NULL, value)
        """
    static let indexSQL = """
        CREATE INDEX IF NOT EXISTS served_log_outcomes__request ON served_log_outcomes (request_id, name, event_ts)
        """
}

extension OfflineStore {
    /// Stores outcomes in one transaction: all of them or none.
    ///
    /// - Throws: `invalidInput` for a null value (an outcome names what happened); `locked` or
    ///   `storage` when SQLite fails.
    public func writeOutcomes(_ outcomes: [LoggedOutcome], receivedAt: Timestamp) throws {
        try ServedLogReading.checkOutcomes(outcomes)
        try storage {
            try database.transaction {
                try database.execute(OutcomesTable.createSQL)
                try database.execute(OutcomesTable.indexSQL)
                let insert = try database.prepare(
                    "INSERT INTO served_log_outcomes (request_id, name, event_ts, received_ts, value_type, value) VALUES (?, ?, ?, ?, ?, ?)"
                )
                for outcome in outcomes {
                    for value in outcome.values {
                        try insert.run([
                            .text(outcome.requestID), .text(value.name), .integer(outcome.eventTime.microseconds),
                            .integer(receivedAt.microseconds), .text(value.value.type?.rawValue ?? ""),
                            value.value.sqliteValue,
                        ])
                    }
                }
            }
        }
    }

    /// Every stored outcome value in arrival order, one ``LoggedOutcome`` per stored value.
    public func outcomes() throws -> [LoggedOutcome] {
        try storage {
            guard try database.tableExists(OutcomesTable.name) else { return [] }
            let statement = try database.prepare(
                "SELECT request_id, name, event_ts, value_type, value FROM served_log_outcomes ORDER BY __outcome_seq")
            var result: [LoggedOutcome] = []
            let origin = SourceOrigin(view: "outcomes", source: OutcomesTable.name)
            while try statement.step() {
                let type = ValueType(rawValue: statement.text(3)) ?? .string
                let value = try SourceValues.value(statement, 4, type, nil, origin: origin)
                result.append(
                    LoggedOutcome(
                        requestID: statement.text(0), eventTime: Timestamp(microseconds: statement.int64(2)),
                        values: [.init(name: statement.text(1), value: value)]))
            }
            return result
        }
    }
}

extension OfflineStore {
    /// Per request id, the latest value of each outcome name (by event time; of two at one
    /// time, the one received last).
    public func latestOutcomes() throws -> [String: [String: FeatureValue]] {
        try storage {
            guard try database.tableExists(OutcomesTable.name) else { return [:] }
            let statement = try database.prepare(
                "SELECT request_id, name, value_type, value FROM served_log_outcomes ORDER BY event_ts, __outcome_seq")
            var result: [String: [String: FeatureValue]] = [:]
            let origin = SourceOrigin(view: "outcomes", source: OutcomesTable.name)
            while try statement.step() {
                let type = ValueType(rawValue: statement.text(2)) ?? .string
                result[statement.text(0), default: [:]][statement.text(1)] = try SourceValues.value(
                    statement, 3, type, nil, origin: origin)
            }
            return result
        }
    }
}

extension SourceOrigin {
    init(view: String, source: String) {
        self.view = view
        self.source = source
    }
}
