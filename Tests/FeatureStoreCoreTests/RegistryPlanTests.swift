import FeatureStoreCore
import Testing

@Suite struct RegistryPlanTests {
    static let driver = Entity(name: "driver", joinKeys: [JoinKey(name: "driver_id", valueType: .int64)])
    static let source = Source(
        name: "stats", kind: .csv, path: "stats.csv", timestampField: "ts",
        schema: [
            Field(name: "driver_id", type: .int64), Field(name: "ts", type: .timestamp),
            Field(name: "rate", type: .float64),
        ])
    static let view = FeatureView(
        name: "driver_stats", entities: ["driver"], source: "stats", ttl: .days(1),
        features: [Feature(name: "rate", type: .float64)])
    static let base = RepoDefinitions(entities: [driver], sources: [source], featureViews: [view])

    @Test func sameDefinitionsGiveAnEmptyPlan() {
        let plan = RegistryPlan(from: Self.base, to: Self.base)
        #expect(plan.isEmpty)
        #expect(plan.rendered().hasPrefix("No changes"))
    }

    @Test func addsEverythingToAnEmptyRegistry() {
        let plan = RegistryPlan(from: RepoDefinitions(), to: Self.base)
        #expect(plan.changes.map(\.action) == [.add, .add, .add])
        #expect(
            plan.changes.map(\.id) == [
                ObjectID(.entity, "driver"), ObjectID(.source, "stats"), ObjectID(.featureView, "driver_stats"),
            ])
        #expect(plan.breakingChanges.isEmpty)
    }

    @Test func fieldChangesAreNamedAndTtlIsNotBreaking() {
        var next = Self.base
        next.featureViews[0].ttl = .days(2)
        next.featureViews[0].description = "new"
        let plan = RegistryPlan(from: Self.base, to: next)
        #expect(plan.changes.count == 1)
        let fields = plan.changes[0].fields
        #expect(fields.map(\.path) == ["description", "ttl"])
        #expect(fields.first { $0.path == "ttl" }?.old == "1d")
        #expect(fields.first { $0.path == "ttl" }?.new == "2d")
        #expect(!plan.changes[0].isBreaking)
    }

    @Test func featureTypeChangeIsBreaking() {
        var next = Self.base
        next.featureViews[0].features[0].type = .int64
        next.sources[0].schema[2].type = .int64
        let plan = RegistryPlan(from: Self.base, to: next)
        #expect(plan.breakingChanges.map(\.id) == [ObjectID(.source, "stats"), ObjectID(.featureView, "driver_stats")])
        #expect(plan.rendered().contains("features.rate: float64 -> int64  [BREAKING"))
    }

    @Test func entitiesAndSourceChangesAreBreaking() {
        var next = Self.base
        next.featureViews[0].source = "other"
        #expect(RegistryPlan(from: Self.base, to: next).changes[0].isBreaking)
        next = Self.base
        next.featureViews[0].entities = ["driver", "rider"]
        #expect(RegistryPlan(from: Self.base, to: next).changes[0].isBreaking)
    }

    /// Rows stored before were not identified by the new columns: re-identifying them needs a
    /// fresh history (and says so).
    @Test func changingDedupeOnIsBreaking() {
        var next = Self.base
        next.sources[0].dedupeOn = [next.sources[0].columns[0].name]
        let plan = RegistryPlan(from: Self.base, to: next)
        #expect(plan.breakingChanges.map(\.id) == [ObjectID(.source, "stats")])
        #expect(plan.breakingChanges.first?.breaking?.contains("re-ingest") == true)
        #expect(RegistryPlan(from: next, to: Self.base).breakingChanges.count == 1)
    }

    @Test func addingAFeatureIsNotBreakingButRemovingASourceIs() {
        var next = Self.base
        next.featureViews[0].features.append(Feature(name: "extra", type: .int64))
        #expect(RegistryPlan(from: Self.base, to: next).breakingChanges.isEmpty)
        let removed = RegistryPlan(from: Self.base, to: RepoDefinitions(entities: [Self.driver]))
        #expect(removed.changes.map(\.action) == [.remove, .remove])
        #expect(removed.breakingChanges.map(\.id) == [ObjectID(.source, "stats")])
    }

    @Test func reorderingFeaturesIsNoChangeToTheirFields() {
        var two = Self.base
        two.featureViews[0].features = [Feature(name: "a", type: .int64), Feature(name: "b", type: .int64)]
        var swapped = two
        swapped.featureViews[0].features.reverse()
        let plan = RegistryPlan(from: two, to: swapped)
        // `view:*` serves features in declared order, so the new order must be applied, harmlessly.
        #expect(plan.changes.count == 1)
        #expect(plan.changes[0].fields.map(\.path) == ["order"])
        #expect(plan.breakingChanges.isEmpty)
    }
}

@Suite struct AggregatePlanTests {
    static let view = FeatureView(
        name: "trips", entities: ["driver"], source: "events",
        aggregations: [
            Aggregation(column: "fare", function: .sum, window: .hours(1), name: "fare_1h", inputType: .float64)
        ])

    @Test func addingOrChangingAnAggregationIsBreakingButRemovingIsNot() {
        let base = RepoDefinitions(featureViews: [Self.view])
        var added = base
        added.featureViews[0].aggregations.append(
            Aggregation(column: "fare", function: .count, window: .days(1), name: "trips_1d", inputType: .float64))
        #expect(RegistryPlan(from: base, to: added).breakingChanges.count == 1)
        var changed = base
        changed.featureViews[0].aggregations[0].window = .hours(2)
        #expect(RegistryPlan(from: base, to: changed).breakingChanges.count == 1)
        #expect(RegistryPlan(from: added, to: base).breakingChanges.isEmpty)
    }

    /// `fs plan` says what removing an aggregation does to the online state: nothing to rebuild.
    @Test func removingAnAggregationSaysTheOnlineStateIsKept() {
        var two = RepoDefinitions(featureViews: [Self.view])
        two.featureViews[0].aggregations.append(
            Aggregation(column: "fare", function: .count, window: .days(1), name: "trips_1d", inputType: .float64))
        let plan = RegistryPlan(from: two, to: RepoDefinitions(featureViews: [Self.view]))
        let field = plan.changes.first?.fields.first { $0.path == "aggregations.trips_1d" }
        #expect(field?.breaking == nil)
        #expect(field?.note?.contains("online state kept") == true)
        #expect(
            plan.rendered().contains(
                "~ aggregations.trips_1d: count(fare) over 1d -> (none)  [online state kept: tiles skip the removed aggregation's partials]"
            ))
    }
}
