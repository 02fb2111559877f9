import FeatureRepo
import FeatureStoreCore
import Testing

/// Each class of repo problem is reported at its `file:line:column` with a message that says how to fix it.
@Suite struct ValidationTests {
    static let entities = """
        entities:
          - name: driver
            join_keys:
              - name: driver_id
                value_type: int64

        """
    static let source = """
        sources:
          - name: stats
            kind: csv
            path: data/stats.csv
            timestamp_field: ts
            schema:
              driver_id: int64
              ts: timestamp
              rate: float64
              trips: int64

        """

    /// The diagnostics of parsing these files (an empty list when they are valid).
    func diagnostics(_ files: [(String, String)]) -> [Diagnostic] {
        do {
            _ = try RepoLoader.parse(files: files.map { (name: $0.0, text: $0.1) })
            return []
        } catch let error as FeatureStoreError {
            #expect(error.code == .invalidDefinitions)
            return error.diagnostics
        } catch {
            Issue.record("unexpected error \(error)")
            return []
        }
    }

    /// The single diagnostic of `views.yaml` holding `text` beside the standard entity and source.
    func only(_ text: String, file: String = "views.yaml") -> Diagnostic? {
        let found = diagnostics([("entities.yaml", Self.entities), ("sources.yaml", Self.source), (file, text)])
        #expect(found.count == 1, "expected one diagnostic, got \(found)")
        return found.first
    }

    func expect(_ diagnostic: Diagnostic?, _ line: Int, _ column: Int, contains text: String) {
        #expect(diagnostic?.file == "views.yaml")
        #expect(diagnostic?.line == line, "\(String(describing: diagnostic))")
        #expect(diagnostic?.column == column, "\(String(describing: diagnostic))")
        #expect(diagnostic?.message.contains(text) == true, "\(String(describing: diagnostic)) should contain \(text)")
    }

    static func view(_ body: String) -> String {
        "feature_views:\n  - name: v\n" + body
    }

    @Test func validRepoParses() throws {
        let definitions = try RepoLoader.parse(files: [
            ("entities.yaml", Self.entities), ("sources.yaml", Self.source),
            (
                "views.yaml",
                Self.view(
                    "    entities: [driver]\n    source: stats\n    ttl: 1h30m\n    features: [rate, {name: trips, type: int64}]\n"
                )
            ),
        ])
        let view = try #require(definitions.featureView("v"))
        #expect(view.ttl == .minutes(90))
        #expect(view.features == [Feature(name: "rate", type: .float64), Feature(name: "trips", type: .int64)])
    }

    @Test func invalidYAMLSyntax() {
        expect(only("feature_views:\n  - name: [unclosed\n"), 3, 1, contains: "invalid YAML")
    }

    @Test func unknownEntity() {
        let d = only(Self.view("    entities: [drivr]\n    source: stats\n    features: [rate]\n"))
        expect(d, 3, 16, contains: "unknown entity 'drivr'. Did you mean 'driver'?")
    }

    @Test func unknownSource() {
        let d = only(Self.view("    entities: [driver]\n    source: stat\n    features: [rate]\n"))
        expect(d, 4, 13, contains: "unknown source 'stat'. Did you mean 'stats'?")
    }

    @Test func duplicateName() {
        let text =
            Self.view("    entities: [driver]\n    source: stats\n    features: [rate]\n")
            + "  - name: v\n    entities: [driver]\n    source: stats\n    features: [trips]\n"
        expect(only(text), 6, 11, contains: "duplicate feature view name 'v', first declared at views.yaml:2:11")
    }

    @Test func unknownType() {
        let d = only(
            Self.view(
                "    entities: [driver]\n    source: stats\n    features:\n      - name: rate\n        type: flaot64\n")
        )
        expect(d, 7, 15, contains: "unknown type 'flaot64'")
        #expect(d?.message.contains("Did you mean 'float64'?") == true)
    }

    @Test func unknownAggregationFunction() {
        let d = only(
            Self.view(
                "    entities: [driver]\n    source: stats\n    aggregations:\n      - {column: rate, function: median, window: 1h}\n"
            ))
        expect(d, 6, 34, contains: "unknown aggregation function 'median'; use one of count, sum, avg")
    }

    @Test func aggregationOfTheWrongType() {
        let d = only(
            Self.view(
                "    entities: [driver]\n    source: stats\n    aggregations:\n      - {column: ts, function: sum, window: 1h}\n"
            ))
        #expect(d?.message.contains("not have") == true || d?.message.contains("cannot aggregate") == true)
    }

    @Test func featureMissingFromSourceSchema() {
        let d = only(Self.view("    entities: [driver]\n    source: stats\n    features: [rate, speed]\n"))
        expect(d, 5, 22, contains: "feature 'speed' of view 'v' is not a column of source 'stats'")
    }

    @Test func featureTypeDisagreesWithSource() {
        let d = only(
            Self.view("    entities: [driver]\n    source: stats\n    features:\n      - {name: rate, type: int64}\n"))
        expect(d, 6, 28, contains: "declared int64 but column 'rate' of source 'stats' is float64")
    }

    @Test func joinKeyMissingFromSource() {
        let entity = "entities:\n  - name: rider\n    join_keys: [rider_id]\n    value_type: string\n"
        let found = diagnostics([
            ("entities.yaml", Self.entities + entity.dropFirst("entities:\n".count)), ("sources.yaml", Self.source),
            ("views.yaml", Self.view("    entities: [rider]\n    source: stats\n    features: [rate]\n")),
        ])
        #expect(found.count == 1)
        #expect(
            found.first?.message.contains("join key 'rider_id' of entity 'rider' is not a column of source 'stats'")
                == true)
        #expect(found.first?.line == 4)
    }

    @Test func badDuration() {
        let d = only(Self.view("    entities: [driver]\n    source: stats\n    ttl: 5x\n    features: [rate]\n"))
        expect(d, 5, 10, contains: "'ttl' of feature view 'v' is not a duration: '5x'")
    }

    @Test func collidingFeatureNamesInAService() {
        let views =
            Self.view("    entities: [driver]\n    source: stats\n    features: [rate]\n")
            + "  - name: w\n    entities: [driver]\n    source: stats\n    features: [rate]\n"
        let services = "feature_services:\n  - name: s\n    features: [\"v:rate\", \"w:*\"]\n"
        let found = diagnostics([
            ("entities.yaml", Self.entities), ("sources.yaml", Self.source), ("views.yaml", views),
            ("services.yaml", services),
        ])
        #expect(found.count == 1)
        #expect(found.first.map { "\($0.file):\($0.line):\($0.column)" } == "services.yaml:3:26")
        #expect(found.first?.message.contains("gets a feature named 'rate' from both 'v' and 'w'") == true)
    }

    @Test func unknownFieldWithSuggestion() {
        let found = diagnostics([
            ("entities.yaml", Self.entities), ("sources.yaml", Self.source),
            ("views.yaml", Self.view("    entities: [driver]\n    source: stats\n    featurs: [rate]\n")),
        ])
        // The typo, and (as a consequence) the view having no features.
        #expect(found.map(\.line) == [2, 5])
        #expect(
            found.last?.message.contains("unknown field 'featurs' in feature view 'v'. Did you mean 'features'?")
                == true)
    }

    @Test func missingRequiredField() {
        let found = diagnostics([("entities.yaml", "entities:\n  - name: driver\n")])
        #expect(
            found.map(\.description) == [
                "entities.yaml:2:5: error: entity 'driver' is missing required field 'join_keys'"
            ])
    }

    @Test func everyProblemIsReportedAtOnceInFileOrder() throws {
        let text = Self.view("    entities: [drivr]\n    source: nope\n    ttl: 5x\n    featurs: []\n")
        let found = diagnostics([("entities.yaml", Self.entities), ("sources.yaml", Self.source), ("views.yaml", text)])
        #expect(found.count == 5)
        #expect(found.map(\.line) == found.map(\.line).sorted())
        #expect(Set(found.map(\.line)) == [2, 3, 4, 5, 6])
    }

    @Test func sourceKindNeedsItsLocation() {
        let found = diagnostics([
            (
                "sources.yaml",
                "sources:\n  - name: s\n    kind: sqlite\n    timestamp_field: ts\n    schema: {a: int64}\n"
            )
        ])
        #expect(found.count == 1)
        #expect(found.first?.message.contains("needs exactly one of 'table'") == true)
    }
}
