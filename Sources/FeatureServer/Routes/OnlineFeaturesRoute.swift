import FeatureStoreKit
import Hummingbird

extension FeatureServer {
    /// `POST /get-online-features` and its gRPC-style alias: Feast's lookup, Feast's answer.
    func addOnlineFeaturesRoutes(to router: Router<BasicRequestContext>) {
        router.post("/get-online-features") { request, _ in try await self.getOnlineFeatures(request) }
        router.post("/feast.serving.ServingService/GetOnlineFeatures") { request, _ in
            try await self.getOnlineFeatures(request)
        }
    }

    func getOnlineFeatures(_ request: Request) async throws -> Response {
        let body = try await json(of: request)
        let lookup = try OnlineFeaturesRequest(body, maxEntities: configuration.maxEntities)
        let response = try lookUp(lookup.selection) { plan in try lookup.entities(for: plan) }
        return Response.json(FeastResponseWriter.encode(response))
    }
}
