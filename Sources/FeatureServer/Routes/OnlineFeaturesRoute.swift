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

    /// Decodes the body in place (``OnlineFeaturesRequest``) into the one lookup path,
    /// ``lookUp(_:entities:)``, and writes Feast's JSON.
    func getOnlineFeatures(_ request: Request) async throws -> Response {
        let buffer = try await body(of: request)
        let current = state.current
        let limits = LookupLimits(
            entities: configuration.maxEntities, references: current.referenceLimit,
            keyColumns: current.keyColumnLimit)
        let prepared = try Self.withBytes(of: buffer) { bytes in
            let lookup = try OnlineFeaturesRequest(bytes, limits: limits)
            return try prepareLookup(lookup.selection) { plan in try lookup.entities(in: bytes, for: plan) }
        }
        let response = try await lookUp(prepared)
        return Response.json(FeastJSON.encode(response))
    }
}
