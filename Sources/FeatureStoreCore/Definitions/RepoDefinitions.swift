/// Every definition of a feature repo: what `fs apply` registers.
public struct RepoDefinitions: Codable, Hashable, Sendable {
    public var entities: [Entity]
    public var sources: [Source]
    public var featureViews: [FeatureView]
    public var featureServices: [FeatureService]

    public init(
        entities: [Entity] = [], sources: [Source] = [], featureViews: [FeatureView] = [],
        featureServices: [FeatureService] = []
    ) {
        self.entities = entities.sorted { $0.name < $1.name }
        self.sources = sources.sorted { $0.name < $1.name }
        self.featureViews = featureViews.sorted { $0.name < $1.name }
        self.featureServices = featureServices.sorted { $0.name < $1.name }
    }

    enum CodingKeys: String, CodingKey {
        case entities, sources
        case featureViews = "feature_views"
        case featureServices = "feature_services"
    }

    public func entity(_ name: String) -> Entity? { entities.first { $0.name == name } }
    public func source(_ name: String) -> Source? { sources.first { $0.name == name } }
    public func featureView(_ name: String) -> FeatureView? { featureViews.first { $0.name == name } }
    public func featureService(_ name: String) -> FeatureService? { featureServices.first { $0.name == name } }

    /// The join keys of a view, in the order of its entities.
    public func joinKeys(of view: FeatureView) -> [JoinKey] {
        view.entities.flatMap { entity($0)?.joinKeys ?? [] }
    }

    public var isEmpty: Bool {
        entities.isEmpty && sources.isEmpty && featureViews.isEmpty && featureServices.isEmpty
    }
}
