import FeatureRepo
import FeatureStoreCore
import Foundation
import Testing

/// `kind: served_log` sources: their columns come from their service's log, and every mistake is
/// reported at its `file:line:column`.
@Suite struct ServedLogSourceValidationTests {
    static let base: [(String, String)] = [
        (
            "base.yaml",
            """
            entities:
              - name: driver
                join_keys: [{name: driver_id, value_type: int64}]
            sources:
              - name: stats
                kind: csv
                path: stats.csv
                timestamp_field: ts
                schema: {driver_id: int64, ts: timestamp, rate: float64, trips: int64}
            feature_views:
              - name: v
                entities: [driver]
                source: stats
                features: [rate, trips]
            feature_services:
              - name: s
                features: ["v:trips", "v:rate"]
                logging: {sample_rate: 1}
              - name: quiet
                features: ["v:rate"]

            """
        )
    ]

    /// `log.yaml`: a served_log source whose lines from `service:` (line 4) on are `fields`, and a
    /// view over it reading `features`.
    static func log(_ fields: String, features: String = "[v__rate, label]") -> (String, String) {
        (
            "log.yaml",
            "sources:\n  - name: ranking_log\n    kind: served_log\n" + fields
                + "feature_views:\n  - name: served\n    entities: [driver]\n    source: ranking_log\n    ttl: 1h\n    online: false\n    features: \(features)\n"
        )
    }

    func parse(_ files: [(String, String)]) throws -> RepoDefinitions {
        try RepoLoader.parse(files: files.map { (name: $0.0, text: $0.1) })
    }

    func messages(_ files: [(String, String)]) -> [String] {
        ValidationTests().diagnostics(files).map { "\($0.file):\($0.line):\($0.column): \($0.message)" }
    }

    func only(_ fields: String, features: String = "[v__rate, label]") -> String {
        let found = messages(Self.base + [Self.log(fields, features: features)])
        #expect(found.count == 1, "expected one diagnostic, got \(found)")
        return found.first ?? ""
    }

    @Test func itsColumnsAreTheLoggedOnesThenItsOutcomes() throws {
        let definitions = try parse(
            Self.base + [Self.log("    service: s\n    schema: {prediction: float64, label: int64}\n")])
        let source = try #require(definitions.source("ranking_log"))
        #expect(source.kind == .servedLog)
        #expect(source.service == "s")
        #expect(source.timestampField == "__log_timestamp")
        #expect(source.timestampFormat == .epochMicroseconds)
        #expect(
            source.schema.map { "\($0.name): \($0.type.rawValue)" } == [
                "driver_id: int64", "v__trips: int64", "v__trips__timestamp: timestamp", "v__trips__status: string",
                "v__rate: float64", "v__rate__timestamp: timestamp", "v__rate__status: string",
                "__log_timestamp: timestamp", "__request_id: string", "__service_version: int64",
                "prediction: float64", "label: int64",
            ])
        #expect(ServedLogColumns.outcomes(of: source).map(\.name) == ["prediction", "label"])
        let view = try #require(definitions.featureView("served"))
        #expect(view.features.map(\.type) == [.float64, .int64])
    }

    @Test func withoutOutcomesTheSchemaMayBeLeftOut() throws {
        let definitions = try parse(Self.base + [Self.log("    service: s\n", features: "[v__rate, __request_id]")])
        #expect(definitions.source("ranking_log")?.schema.last?.name == "__service_version")
    }

    @Test func unknownService() {
        let message = only("    service: ss\n    schema: {label: int64}\n")
        #expect(
            message.hasPrefix(
                "log.yaml:4:14: served_log source 'ranking_log' reads the log of unknown feature service 'ss'. Did you mean 's'?"
            ), "\(message)")
    }

    @Test func serviceWithoutLogging() {
        let message = only("    service: quiet\n    schema: {label: int64}\n", features: "[v__rate, label]")
        #expect(
            message
                == "log.yaml:4:14: served_log source 'ranking_log' reads the log of feature service 'quiet', which does not log its lookups; add `logging: { sample_rate: 1 }` to feature service 'quiet'",
            "\(message)")
    }

    @Test func missingService() {
        #expect(
            only("    schema: {label: int64}\n").hasPrefix(
                "log.yaml:2:5: source 'ranking_log' of kind served_log needs 'service'"))
    }

    @Test(arguments: [
        ("path: log.csv", "path"), ("table: served_log_s", "table"), ("query: SELECT 1", "query"),
        ("created_timestamp_field: __log_timestamp", "created_timestamp_field"),
        ("timestamp_format: epoch_us", "timestamp_format"), ("dedupe_on: [__request_id]", "dedupe_on"),
        ("field_mapping: {label: y}", "field_mapping"),
    ])
    func fieldsItDoesNotTake(line: String, key: String) {
        let found = messages(Self.base + [Self.log("    service: s\n    \(line)\n    schema: {label: int64}\n")])
        let column = 5 + key.count + 2
        #expect(
            found.contains {
                $0.hasPrefix(
                    "log.yaml:5:\(column): source 'ranking_log' of kind served_log takes no '\(key)': it reads the log table of its feature service in place"
                )
            }, "\(found)")
    }

    @Test func itsEventTimeIsTheLogTimestamp() {
        #expect(
            only("    service: s\n    timestamp_field: ts\n    schema: {label: int64}\n").hasPrefix(
                "log.yaml:5:22: the event time of served_log source 'ranking_log' is __log_timestamp (when the lookup was served), not 'ts'"
            ))
        #expect(
            messages(
                Self.base + [
                    Self.log("    service: s\n    timestamp_field: __log_timestamp\n    schema: {label: int64}\n")
                ]
            ).isEmpty)
    }

    @Test func outcomesAreNamedAndTypedAsJSONValues() {
        #expect(
            only("    service: s\n    schema: {label: bytes}\n").hasPrefix(
                "log.yaml:5:14: outcome 'label' of served_log source 'ranking_log' is declared bytes; outcomes are JSON values: declare it as int64, float64, string, bool"
            ))
        let reserved = messages(
            Self.base + [Self.log("    service: s\n    schema: {label: int64, __x: int64}\n")])
        #expect(
            reserved.contains {
                $0.hasPrefix(
                    "log.yaml:5:28: '__x' in the schema of served_log source 'ranking_log' is not an outcome name")
            }, "\(reserved)")
        #expect(
            only("    service: s\n    schema: {label: int64, v__rate: float64}\n").hasPrefix(
                "log.yaml:5:28: outcome 'v__rate' of served_log source 'ranking_log' has the name of a column feature service 's' logs"
            ))
    }

    @Test func aViewMustNameColumnsTheLogHas() {
        let message = only("    service: s\n    schema: {label: int64}\n", features: "[v__rat, label]")
        #expect(
            message.contains(
                "feature 'v__rat' of view 'served' is not a column of source 'ranking_log'. Did you mean 'v__rate'?"),
            "\(message)")
    }

    @Test func aViewOverALogIsOffline() {
        let files = Self.base + [Self.log("    service: s\n    schema: {label: int64}\n")]
        let online = files.map { ($0.0, $0.1.replacingOccurrences(of: "    online: false\n", with: "")) }
        #expect(
            messages(online) == [
                "log.yaml:7:11: feature view 'served' reads served_log source 'ranking_log', so it cannot be online: a served log feeds training sets (outcomes arrive late and change rows already read, which the online store would miss or count twice); add `online: false` to it"
            ])
    }

    @Test func aLogCannotDescribeItself() throws {
        let other: (String, String) = (
            "other.yaml",
            "feature_services:\n  - name: t\n    features: [\"served:*\"]\n    logging: {}\n"
        )
        let selfFed = messages(Self.base + [Self.log("    service: t\n    schema: {label: int64}\n"), other])
        #expect(
            selfFed == [
                "log.yaml:4:14: served_log source 'ranking_log' reads the log of feature service 't', whose features come (directly or through other served logs) from views over that same log ('served'); a log cannot describe its own columns: serve those views from another service"
            ], "\(selfFed)")
    }

    @Test func itsColumnsFollowTheServiceWithoutBreakingChanges() throws {
        let log = Self.log("    service: s\n    schema: {label: int64}\n")
        let before = try parse(Self.base + [log])
        let fewer = Self.base.map {
            ($0.0, $0.1.replacingOccurrences(of: "[\"v:trips\", \"v:rate\"]", with: "[\"v:rate\"]"))
        }
        let after = try parse(fewer + [log])
        let plan = RegistryPlan(from: before, to: after)
        #expect(plan.breakingChanges.isEmpty, "\(plan.breakingChanges)")
        let source = plan.changes.first { $0.id == ObjectID(.source, "ranking_log") }
        #expect(
            source?.fields.map(\.path) == ["schema.v__trips", "schema.v__trips__status", "schema.v__trips__timestamp"])
        let back = RegistryPlan(from: after, to: before)
        #expect(back.breakingChanges.isEmpty)
        #expect(
            back.changes.first { $0.id == ObjectID(.source, "ranking_log") }?.fields.first?.note
                == "rows logged before read null in the new column")
    }
}
