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
        let current = state.current
        let plan = try lookup.plan(current)
        let rows = try lookup.entities(for: plan)
        let response = try current.reader.read(plan, entities: rows, now: clock())
        let entities = rows.count
        for read in plan.reads {
            metrics.recordServed(view: read.view.name, entities: entities, features: read.features.count)
        }
        return Response.json(FeastResponseWriter.encode(response))
    }
}
