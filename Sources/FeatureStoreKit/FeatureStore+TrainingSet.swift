import FeatureRegistry
import FeatureStoreCore
import OfflineStoreSQLite

extension FeatureStore {
    /// Builds a point-in-time correct training set: every spine row, in order, with each
    /// requested feature's latest value at the row's `event_timestamp` (within the view's ttl).
    ///
    /// The semantics are those of Feast's SQL offline stores: for each spine row and view, the
    /// source row with the same join keys and `t - ttl <= event_ts <= t` (no lower bound when the
    /// ttl is 0) with the greatest event time, ties going to the greatest created time; null when
    /// no row qualifies.
    ///
    /// - Parameters:
    ///   - spine: a CSV or JSON Lines file with the views' join keys and `event_timestamp`.
    ///   - features: feature references or a feature service.
    ///   - fullFeatureNames: name output columns `view__feature` instead of `feature`.
    ///   - output: the output file (`.csv` or `.jsonl`), or `-` for CSV on standard output.
    ///   - profile: also profile each feature column as written (``TrainingSetResult/profiles``).
    /// - Throws: ``FeatureStoreError``: `notFound` for an unknown view, feature or service;
    ///   `invalidArgument` for colliding names, unsupported views or formats; `invalidInput` for
    ///   spine problems, naming the line.
    public func trainingSet(
        spine: String, features: TrainingSetFeatures, fullFeatureNames: Bool = false, output: String,
        profile: Bool = false
    ) throws -> TrainingSetResult {
        guard let spineFormat = TabularFormat(path: spine) else {
            throw FeatureStoreError.invalidArgument(
                "cannot tell the format of the spine \(spine); name it .csv (with a header line) or .jsonl")
        }
        let outputFormat: TabularFormat
        if output == "-" {
            outputFormat = .csv
        } else if let format = TabularFormat(path: output) {
            outputFormat = format
        } else {
            throw FeatureStoreError.invalidArgument(
                "cannot tell the format of the output \(output); name it .csv or .jsonl, or give - for CSV on standard output"
            )
        }
        let snapshot = try snapshot()
        let views = try trainingSetViews(features, fullFeatureNames: fullFeatureNames, snapshot: snapshot)
        return try offlineStore().trainingSet(
            spine: spine, spineFormat: spineFormat, views: views, output: output, outputFormat: outputFormat,
            profile: profile)
    }

    /// Resolves feature references into per-view requests, in the order views are first named.
    func trainingSetViews(
        _ features: TrainingSetFeatures, fullFeatureNames: Bool, snapshot: RegistrySnapshot
    ) throws -> [TrainingSetView] {
        let definitions = snapshot.definitions
        let references: [FeatureReference]
        switch features {
        case .references(let list):
            references = list
        case .service(let name):
            guard let service = definitions.featureService(name) else {
                let names = definitions.featureServices.map(\.name)
                throw FeatureStoreError.notFound(
                    "no feature service '\(name)' is registered.\(Suggestion.didYouMean(name, in: names)) Registered services: \(Suggestion.list(names))."
                )
            }
            references = service.features
        }
        var order: [String] = []
        var chosen: [String: [Feature]] = [:]
        for reference in references {
            guard let view = definitions.featureView(reference.view) else {
                let names = definitions.featureViews.map(\.name)
                throw FeatureStoreError.notFound(
                    "unknown feature view '\(reference.view)' in '\(reference)'.\(Suggestion.didYouMean(reference.view, in: names)) Registered views: \(Suggestion.list(names))."
                )
            }
            let features: [Feature]
            if reference.isWildcard {
                features = view.outputFeatures
            } else if let feature = view.feature(named: reference.feature) {
                features = [feature]
            } else {
                let names = view.outputFeatures.map(\.name)
                throw FeatureStoreError.notFound(
                    "feature view '\(view.name)' has no feature '\(reference.feature)'.\(Suggestion.didYouMean(reference.feature, in: names)) Its features: \(Suggestion.list(names))."
                )
            }
            if chosen[view.name] == nil { order.append(view.name) }
            for feature in features where !(chosen[view.name] ?? []).contains(where: { $0.name == feature.name }) {
                chosen[view.name, default: []].append(feature)
            }
        }
        var owners: [String: String] = [:]
        let tables = historyTables(snapshot)
        return try order.map { name in
            let view = definitions.featureView(name)!
            let features = chosen[name] ?? []
            let outputNames = features.map { fullFeatureNames ? "\(view.name)__\($0.name)" : $0.name }
            for output in outputNames {
                if let other = owners[output] {
                    throw FeatureStoreError.invalidArgument(
                        "feature views '\(other)' and '\(view.name)' both have a feature named '\(output)'; pass --full-feature-names to name the columns view__feature"
                    )
                }
                owners[output] = view.name
            }
            guard let source = definitions.source(view.source) else {
                throw FeatureStoreError.notFound(
                    "feature view '\(view.name)' reads source '\(view.source)', which is not registered; run fs apply")
            }
            let history: HistoryLocation
            if source.readsInPlace {
                history = .inPlace(try inPlaceSource(source))
            } else if let table = tables.first(where: { $0.source.name == source.name }) {
                history = .table(table)
            } else {
                throw FeatureStoreError.notFound("source '\(source.name)' has no history table; run fs apply")
            }
            return TrainingSetView(
                view: view, joinKeys: definitions.joinKeys(of: view), history: history, features: features,
                outputNames: outputNames)
        }
    }
}
