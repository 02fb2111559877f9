import FeatureStoreKit
import Hummingbird

extension FeatureServer {
    /// `GET /feature-views` and `GET /feature-services`: what is being served, as registered.
    func addRegistryRoutes(to router: Router<BasicRequestContext>) {
        router.get("/feature-views") { _, _ in
            let current = self.state.current
            return try Self.encode(
                FeatureViewList(version: current.version, featureViews: current.snapshot.definitions.featureViews))
        }
        router.get("/feature-services") { _, _ in
            let current = self.state.current
            return try Self.encode(
                FeatureServiceList(
                    version: current.version, featureServices: current.snapshot.definitions.featureServices))
        }
    }
}

struct FeatureViewList: Encodable {
    var version: Int64
    var featureViews: [FeatureView]

    enum CodingKeys: String, CodingKey {
        case version = "registry_version"
        case featureViews = "feature_views"
    }
}

struct FeatureServiceList: Encodable {
    var version: Int64
    var featureServices: [FeatureService]

    enum CodingKeys: String, CodingKey {
        case version = "registry_version"
        case featureServices = "feature_services"
    }
}
