import FeatureStoreCore

/// Checks the references between parsed definitions and fills in what they imply (feature types
/// taken from the source schema, aggregation input types).
struct RepoValidator {
    let parser: RepoParser
    let collector: DiagnosticCollector
    /// Whether the offline store is PostgreSQL (`nil`: not known, not checked).
    var offlineStoreIsPostgres: Bool? = nil

    func validate() -> RepoDefinitions {
        let entities = unique(parser.entities, kind: "entity", name: \.name)
        let sources = unique(parser.sources, kind: "source", name: \.name)
        let views = unique(parser.featureViews, kind: "feature view", name: \.name)
        let services = unique(parser.featureServices, kind: "feature service", name: \.name)

        let entityByName = Dictionary(entities.map { ($0.0.name, $0.0) }, uniquingKeysWith: { a, _ in a })

        for (entity, site) in entities { check(entity, site) }
        for (source, site) in sources { check(source, site) }
        // Served logs take their columns from their services' views: views and sources together.
        let (checkedViews, checkedSources) = checkViews(
            views, entities: entityByName, sources: sources, services: services)
        let viewByName = Dictionary(checkedViews.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for (service, site) in services { check(service, site, views: viewByName) }

        return RepoDefinitions(
            entities: entities.map(\.0), sources: checkedSources, featureViews: checkedViews,
            featureServices: services.map(\.0))
    }

    /// Keeps the first definition of each name and reports the others.
    private func unique<T>(_ items: [(T, DefinitionSite)], kind: String, name: (T) -> String) -> [(T, DefinitionSite)] {
        var first: [String: DefinitionSite] = [:]
        var result: [(T, DefinitionSite)] = []
        for (item, site) in items {
            let key = name(item)
            if let previous = first[key] {
                let at = previous.position
                collector.error(
                    site.position,
                    "duplicate \(kind) name '\(key)', first declared at \(at.file):\(at.line):\(at.column); rename or remove one of them"
                )
                continue
            }
            first[key] = site
            result.append((item, site))
        }
        return result
    }

    private func check(_ entity: Entity, _ site: DefinitionSite) {
        var seen: Set<String> = []
        for key in entity.joinKeys {
            let position = site.position(of: "join_keys.\(key.name)")
            if !RepoParser.isIdentifier(key.name) {
                collector.error(
                    position,
                    "join key '\(key.name)' of entity '\(entity.name)' must be a plain identifier (letters, digits, '_')"
                )
            }
            if !seen.insert(key.name).inserted {
                collector.error(position, "join key '\(key.name)' appears twice in entity '\(entity.name)'")
            }
        }
    }

    private func check(_ source: Source, _ site: DefinitionSite) {
        let rawNames = Set(source.schema.map(\.name))
        for raw in source.fieldMapping.keys.sorted() where !rawNames.contains(raw) {
            collector.error(
                site.position,
                "field_mapping of source '\(source.name)' renames '\(raw)', which is not in its schema.\(Suggestion.didYouMean(raw, in: rawNames))"
            )
        }
        let mapped = source.schema.map { source.mappedName($0.name) }
        if Set(mapped).count != mapped.count {
            collector.error(site.position, "field_mapping of source '\(source.name)' maps two columns to the same name")
        }
        for (field, path) in [
            (source.timestampField, "timestamp_field"), (source.createdTimestampField, "created_timestamp_field"),
        ] {
            guard let field, !field.isEmpty else { continue }
            if let column = source.schema.first(where: { source.mappedName($0.name) == field }),
                column.type != .timestamp
            {
                collector.error(
                    site.position(of: path),
                    "\(path) '\(field)' of source '\(source.name)' is declared as \(column.type.rawValue) in the schema; declare it as timestamp"
                )
            }
        }
        if let created = source.createdTimestampField, created == source.timestampField {
            collector.error(
                site.position(of: "created_timestamp_field"),
                "created_timestamp_field of source '\(source.name)' must differ from timestamp_field")
        }
        let dedupeCandidates = source.columns.map(\.name) + [source.timestampField]
        for (index, column) in source.dedupeOn.enumerated() {
            let position = site.position(of: "dedupe_on.\(column)")
            if source.dedupeOn[..<index].contains(column) {
                collector.error(position, "dedupe_on of source '\(source.name)' lists '\(column)' twice")
            } else if column == source.createdTimestampField {
                collector.error(
                    position,
                    "dedupe_on of source '\(source.name)' cannot use the created timestamp '\(column)': it decides which copy of an event wins"
                )
            } else if !dedupeCandidates.contains(column) {
                collector.error(
                    position,
                    "dedupe_on of source '\(source.name)' names '\(column)', which is not one of its columns.\(Suggestion.didYouMean(column, in: dedupeCandidates)) Its columns: \(Suggestion.list(dedupeCandidates))."
                )
            }
        }
        if source.kind == .postgres, offlineStoreIsPostgres == false {
            collector.error(
                site.position(of: "kind"),
                "source '\(source.name)' is of kind postgres: it reads \(source.table.map { "table '\($0)'" } ?? "its query") in the PostgreSQL offline store's database, but the offline store in feature_store.yaml is SQLite; set offline_store: {type: postgres, dsn: ...} there, or use kind: sqlite for a table in the SQLite offline database"
            )
        }
        if source.columns.isEmpty, !source.schema.isEmpty {
            collector.error(
                site.position,
                "source '\(source.name)' has no columns besides its timestamps; add its entity keys and values to 'schema'"
            )
        }
    }

    func check(
        _ view: FeatureView, _ site: DefinitionSite, entities: [String: Entity], sources: [String: Source]
    ) -> FeatureView {
        var view = view
        var joinKeyNames: Set<String> = []
        for (index, name) in view.entities.enumerated() {
            let position = site.position(of: "entities.\(index)")
            if view.entities[..<index].contains(name) {
                collector.error(position, "entity '\(name)' is listed twice in feature view '\(view.name)'")
            }
            guard let entity = entities[name] else {
                collector.error(
                    position,
                    "feature view '\(view.name)' uses unknown entity '\(name)'.\(Suggestion.didYouMean(name, in: entities.keys)) Declared entities: \(Suggestion.list(entities.keys.sorted()))."
                )
                continue
            }
            joinKeyNames.formUnion(entity.joinKeys.map(\.name))
        }
        if view.entities.isEmpty {
            collector.error(site.position, "feature view '\(view.name)' needs at least one entity in 'entities'")
        }
        guard let source = sources[view.source] else {
            if !view.source.isEmpty {
                collector.error(
                    site.position(of: "source"),
                    "feature view '\(view.name)' uses unknown source '\(view.source)'.\(Suggestion.didYouMean(view.source, in: sources.keys)) Declared sources: \(Suggestion.list(sources.keys.sorted()))."
                )
            }
            return view
        }
        let columns = source.columns.map(\.name)
        for name in view.entities {
            for key in entities[name]?.joinKeys ?? [] {
                guard let column = source.column(key.name) else {
                    collector.error(
                        site.position(of: "source"),
                        "join key '\(key.name)' of entity '\(name)' is not a column of source '\(view.source)'; add it to the source's schema or map a column to it with field_mapping"
                    )
                    continue
                }
                if column.type != key.valueType {
                    collector.error(
                        site.position(of: "source"),
                        "join key '\(key.name)' is \(key.valueType.rawValue) in entity '\(name)' but \(column.type.rawValue) in source '\(view.source)'; make the types agree"
                    )
                }
            }
        }
        var names: Set<String> = []
        for (index, feature) in view.features.enumerated() {
            let position = site.position(of: "features.\(feature.name)")
            checkName(feature.name, in: view, at: position, joinKeys: joinKeyNames, names: &names)
            guard let column = source.column(feature.name) else {
                collector.error(
                    position,
                    "feature '\(feature.name)' of view '\(view.name)' is not a column of source '\(view.source)'.\(Suggestion.didYouMean(feature.name, in: columns)) Its columns: \(Suggestion.list(columns))."
                )
                continue
            }
            if site.typesGiven[feature.name] != true {
                view.features[index].type = column.type
            } else if column.type != feature.type {
                collector.error(
                    site.position(of: "features.\(feature.name).type"),
                    "feature '\(feature.name)' of view '\(view.name)' is declared \(feature.type.rawValue) but column '\(feature.name)' of source '\(view.source)' is \(column.type.rawValue); make the types agree"
                )
            }
        }
        for (index, aggregation) in view.aggregations.enumerated() {
            checkName(
                aggregation.name, in: view, at: site.position(of: "aggregations.\(index)"), joinKeys: joinKeyNames,
                names: &names)
            guard let column = source.column(aggregation.column) else {
                collector.error(
                    site.position(of: "aggregations.\(index).column"),
                    "aggregation '\(aggregation.name)' of view '\(view.name)' reads column '\(aggregation.column)', which source '\(view.source)' does not have.\(Suggestion.didYouMean(aggregation.column, in: columns)) Its columns: \(Suggestion.list(columns))."
                )
                continue
            }
            view.aggregations[index].inputType = column.type
            if !aggregation.function.acceptedTypes.contains(column.type) {
                collector.error(
                    site.position(of: "aggregations.\(index).function"),
                    "\(aggregation.function.rawValue) cannot aggregate column '\(aggregation.column)' of type \(column.type.rawValue); it takes \(aggregation.function.acceptedTypes.map(\.rawValue).sorted().joined(separator: ", "))"
                )
            }
        }
        return view
    }

    private func checkName(
        _ name: String, in view: FeatureView, at position: Position, joinKeys: Set<String>, names: inout Set<String>
    ) {
        if !RepoParser.isIdentifier(name) {
            collector.error(
                position,
                "feature name '\(name)' of view '\(view.name)' must be a plain identifier (letters, digits, '_')")
        }
        if joinKeys.contains(name) {
            collector.error(position, "feature '\(name)' of view '\(view.name)' has the name of a join key; rename it")
        }
        if !names.insert(name).inserted {
            collector.error(
                position, "feature '\(name)' is declared twice in view '\(view.name)'; rename or remove one")
        }
    }

    private func check(_ service: FeatureService, _ site: DefinitionSite, views: [String: FeatureView]) {
        var owners: [String: String] = [:]
        if service.features.isEmpty {
            collector.error(
                site.position,
                "feature service '\(service.name)' lists no features; add `view:feature` or `view:*` entries")
        }
        for (index, reference) in service.features.enumerated() {
            let position = site.position(of: "features.\(index)")
            guard let view = views[reference.view] else {
                collector.error(
                    position,
                    "feature service '\(service.name)' uses unknown feature view '\(reference.view)'.\(Suggestion.didYouMean(reference.view, in: views.keys)) Declared views: \(Suggestion.list(views.keys.sorted()))."
                )
                continue
            }
            let features: [String]
            if reference.isWildcard {
                features = view.outputFeatures.map(\.name)
            } else if view.feature(named: reference.feature) != nil {
                features = [reference.feature]
            } else {
                let names = view.outputFeatures.map(\.name)
                collector.error(
                    position,
                    "feature view '\(view.name)' has no feature '\(reference.feature)'.\(Suggestion.didYouMean(reference.feature, in: names)) Its features: \(Suggestion.list(names))."
                )
                continue
            }
            for feature in features {
                if let owner = owners[feature] {
                    let message =
                        owner == view.name
                        ? "feature service '\(service.name)' lists '\(view.name):\(feature)' twice; remove one"
                        : "feature service '\(service.name)' gets a feature named '\(feature)' from both '\(owner)' and '\(view.name)'; keep one, or rename the feature in one view"
                    collector.error(position, message)
                } else {
                    owners[feature] = view.name
                }
            }
        }
    }
}
