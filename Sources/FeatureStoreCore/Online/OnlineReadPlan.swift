/// Which views and features an online lookup reads, resolved from `view:feature` references or a
/// feature service against the registered definitions.
///
/// Resolving checks every name once; reading then needs no lookups by name.
public struct OnlineReadPlan: Sendable {
    /// The reads of one view.
    public struct ViewRead: Sendable {
        public var view: FeatureView
        public var joinKeys: [JoinKey]
        /// The features read from the view, in request order.
        public var features: [String]
        /// For each feature, its position in ``OnlineReadPlan/featureNames``.
        public var outputIndexes: [Int]
    }

    /// The output names of the features (bare, or `view__feature`), in request order.
    public var featureNames: [String]
    public var reads: [ViewRead]
    /// Every join key the views need, in order of first use.
    public var joinKeys: [JoinKey]

    /// Resolves feature references (`view:*` expands to the view's features in declared order).
    ///
    /// - Throws: `notFound` for an unknown view or feature; `invalidArgument` for a view that is
    ///   not online, or two features with one output name without `fullFeatureNames`.
    public init(references: [FeatureReference], definitions: RepoDefinitions, fullFeatureNames: Bool) throws {
        var names: [String] = []
        var reads: [ViewRead] = []
        var readIndex: [String: Int] = [:]
        var seen: [String: String] = [:]
        var joinKeys: [JoinKey] = []
        let viewNames = definitions.featureViews.map(\.name)
        for reference in references {
            guard let view = definitions.featureView(reference.view) else {
                throw FeatureStoreError.notFound(
                    "unknown feature view '\(reference.view)' in '\(reference)'.\(Suggestion.didYouMean(reference.view, in: viewNames))"
                )
            }
            guard view.online else {
                throw FeatureStoreError.invalidArgument(
                    "feature view '\(view.name)' is not online (`online: false`); read it with get-training-set")
            }
            let features: [String]
            if reference.isWildcard {
                features = view.outputFeatures.map(\.name)
            } else {
                guard view.feature(named: reference.feature) != nil else {
                    let known = view.outputFeatures.map(\.name)
                    throw FeatureStoreError.notFound(
                        "feature view '\(view.name)' has no feature '\(reference.feature)'.\(Suggestion.didYouMean(reference.feature, in: known)) Its features: \(Suggestion.list(known))."
                    )
                }
                features = [reference.feature]
            }
            if readIndex[view.name] == nil {
                readIndex[view.name] = reads.count
                let keys = definitions.joinKeys(of: view)
                reads.append(ViewRead(view: view, joinKeys: keys, features: [], outputIndexes: []))
                for key in keys where !joinKeys.contains(where: { $0.name == key.name }) { joinKeys.append(key) }
            }
            for feature in features {
                let output = fullFeatureNames ? "\(view.name)__\(feature)" : feature
                if let other = seen[output] {
                    if other == view.name {
                        throw FeatureStoreError.invalidArgument(
                            "feature '\(view.name):\(feature)' is requested twice; list it once")
                    }
                    throw FeatureStoreError.invalidArgument(
                        "feature name '\(output)' comes from both '\(other)' and '\(view.name)'; request full feature names (full_feature_names / --full-feature-names) to tell them apart"
                    )
                }
                seen[output] = view.name
                let index = readIndex[view.name]!
                reads[index].features.append(feature)
                reads[index].outputIndexes.append(names.count)
                names.append(output)
            }
        }
        if names.isEmpty {
            throw FeatureStoreError.invalidArgument("no features requested; name at least one `view:feature`")
        }
        self.featureNames = names
        self.reads = reads
        self.joinKeys = joinKeys
    }

    /// Resolves a feature service's features.
    public init(service name: String, definitions: RepoDefinitions, fullFeatureNames: Bool) throws {
        guard let service = definitions.featureService(name) else {
            let names = definitions.featureServices.map(\.name)
            throw FeatureStoreError.notFound(
                "unknown feature service '\(name)'.\(Suggestion.didYouMean(name, in: names)) Registered services: \(Suggestion.list(names))."
            )
        }
        try self.init(references: service.features, definitions: definitions, fullFeatureNames: fullFeatureNames)
    }
}
