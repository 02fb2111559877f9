import FeatureStoreCore

extension RepoValidator {
    /// Checks the feature views, giving each `served_log` source its columns first: the logged
    /// columns of its feature service (whose types come from the views the service serves) and
    /// the outcomes it declares.
    ///
    /// A view over a served log is checked once its source's columns are known, so a service may
    /// serve a view over another service's log; a log whose service serves a view over that same
    /// log (directly or through other logs) is reported, since its columns would depend on
    /// themselves.
    ///
    /// - Returns: the checked views and the sources with their columns filled in, in input order.
    func checkViews(
        _ views: [(FeatureView, DefinitionSite)], entities: [String: Entity], sources: [(Source, DefinitionSite)],
        services: [(FeatureService, DefinitionSite)]
    ) -> (views: [FeatureView], sources: [Source]) {
        var sourceByName = Dictionary(sources.map { ($0.0.name, $0.0) }, uniquingKeysWith: { a, _ in a })
        let siteOf = Dictionary(sources.map { ($0.0.name, $0.1) }, uniquingKeysWith: { a, _ in a })
        let serviceByName = Dictionary(services.map { ($0.0.name, $0.0) }, uniquingKeysWith: { a, _ in a })
        let viewNames = Set(views.map(\.0.name))
        var pending: Set<String> = []
        var broken: Set<String> = []
        for (source, site) in sources where source.kind == .servedLog {
            checkOutcomes(source, site)
            if let service = source.service, resolveService(service, of: source, site, serviceByName) {
                pending.insert(source.name)
            } else {
                broken.insert(source.name)
            }
        }
        var checked: [String: FeatureView] = [:]
        var progress = true
        while progress {
            progress = false
            for (view, site) in views where checked[view.name] == nil && !pending.contains(view.source) {
                // A view over a log that could not be read is not checked further: its source's
                // problem is reported, and its columns are unknown.
                checked[view.name] =
                    broken.contains(view.source)
                    ? view : check(view, site, entities: entities, sources: sourceByName)
                if view.online, sourceByName[view.source]?.kind == .servedLog {
                    collector.error(
                        site.position,
                        "feature view '\(view.name)' reads served_log source '\(view.source)', so it cannot be online: a served log feeds training sets (outcomes arrive late and change rows already read, which the online store would miss or count twice); add `online: false` to it"
                    )
                }
                progress = true
            }
            for name in pending.sorted() {
                let source = sourceByName[name]!
                let service = serviceByName[source.service ?? ""]!
                let ready = service.features.allSatisfy { checked[$0.view] != nil || !viewNames.contains($0.view) }
                guard ready else { continue }
                pending.remove(name)
                sourceByName[name] = withLoggedColumns(
                    source, siteOf[name]!, service: service, views: checked, entities)
                progress = true
            }
        }
        for name in pending.sorted() {
            let source = sourceByName[name]!
            let waiting = views.filter { checked[$0.0.name] == nil }.map(\.0.name).sorted()
            collector.error(
                siteOf[name]!.position(of: "service"),
                "served_log source '\(name)' reads the log of feature service '\(source.service ?? "")', whose features come (directly or through other served logs) from views over that same log (\(Suggestion.list(waiting))); a log cannot describe its own columns: serve those views from another service"
            )
        }
        return (views.map { checked[$0.0.name] ?? $0.0 }, sources.map { sourceByName[$0.0.name] ?? $0.0 })
    }

    /// Whether `service` names a feature service that a served log can be read from, reporting
    /// what is wrong (a service without `logging:` is reported but still read: its columns are
    /// known, so the views over it are checked too).
    private func resolveService(
        _ name: String, of source: Source, _ site: DefinitionSite, _ services: [String: FeatureService]
    ) -> Bool {
        let position = site.position(of: "service")
        guard let service = services[name] else {
            collector.error(
                position,
                "served_log source '\(source.name)' reads the log of unknown feature service '\(name)'.\(Suggestion.didYouMean(name, in: services.keys)) Declared services: \(Suggestion.list(services.keys.sorted()))."
            )
            return false
        }
        if service.logging == nil {
            collector.error(
                position,
                "served_log source '\(source.name)' reads the log of feature service '\(name)', which does not log its lookups; add `logging: { sample_rate: 1 }` to feature service '\(name)'"
            )
        }
        return true
    }

    /// Checks the outcome columns a `served_log` source declares in its `schema`.
    private func checkOutcomes(_ source: Source, _ site: DefinitionSite) {
        for field in source.schema {
            let position = site.position(of: "schema.\(field.name)")
            if !ServedLogColumns.isOutcomeName(field.name) {
                collector.error(
                    position,
                    "'\(field.name)' in the schema of served_log source '\(source.name)' is not an outcome name (1 to 128 letters, digits and '_', not starting with a digit or '__'); the schema of a served_log source declares only the outcome values posted to POST /log/outcomes: the logged columns come from its feature service"
                )
            } else if !ServedLogColumns.outcomeTypes.contains(field.type) {
                collector.error(
                    position,
                    "outcome '\(field.name)' of served_log source '\(source.name)' is declared \(field.type.rawValue); outcomes are JSON values: declare it as \(ServedLogColumns.outcomeTypes.map(\.rawValue).joined(separator: ", "))"
                )
            }
        }
    }

    /// `source` with its schema: the logged columns of `service` (resolved over the checked
    /// `views`), then its outcomes.
    private func withLoggedColumns(
        _ source: Source, _ site: DefinitionSite, service: FeatureService, views: [String: FeatureView],
        _ entities: [String: Entity]
    ) -> Source {
        let definitions = RepoDefinitions(
            entities: Array(entities.values), featureViews: Array(views.values), featureServices: [service])
        let plan: OnlineReadPlan
        do {
            plan = try OnlineReadPlan(service: service.name, definitions: definitions, fullFeatureNames: true)
        } catch let error as FeatureStoreError {
            // Unknown views and features are reported by the service's own check.
            if error.code != .notFound {
                collector.error(
                    site.position(of: "service"),
                    "served_log source '\(source.name)' cannot read the log of feature service '\(service.name)': \(error.message)"
                )
            }
            return source
        } catch {
            return source
        }
        var source = source
        let outcomes = source.schema
        let logged = ServedLogColumns.schema(plan: plan, outcomes: [])
        for outcome in outcomes where logged.contains(where: { $0.name == outcome.name }) {
            collector.error(
                site.position(of: "schema.\(outcome.name)"),
                "outcome '\(outcome.name)' of served_log source '\(source.name)' has the name of a column feature service '\(service.name)' logs; name the outcome differently (in POST /log/outcomes too)"
            )
        }
        source.schema = logged + outcomes.filter { outcome in !logged.contains { $0.name == outcome.name } }
        return source
    }
}
