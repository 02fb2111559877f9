import FeastProtos
import FeatureServer
import FeatureStoreKit
import GRPCCore
import SwiftProtobuf

/// Feast's `feast.serving.ServingService` over gRPC: the same lookups as HTTP's
/// `POST /get-online-features`, through ``FeatureServer/lookUp(_:entities:)`` (its snapshot,
/// plan cache, clock and served-values metrics), with protobuf in and out.
struct FeastServingService: Feast_Serving_ServingService.ServiceProtocol {
    let server: FeatureServer
    let version: String
    let observer: RPCObserver

    func getFeastServingInfo(
        request: ServerRequest<Feast_Serving_GetFeastServingInfoRequest>, context: ServerContext
    ) async throws -> ServerResponse<Feast_Serving_GetFeastServingInfoResponse> {
        try await observer.observe(context.descriptor) {
            ServerResponse(message: .with { $0.version = version })
        }
    }

    func getOnlineFeatures(
        request: ServerRequest<Feast_Serving_GetOnlineFeaturesRequest>, context: ServerContext
    ) async throws -> ServerResponse<Feast_Serving_GetOnlineFeaturesResponse> {
        try await observer.observe(context.descriptor) {
            ServerResponse(message: try lookUp(request.message))
        }
    }

    /// The lookup: limits first (`RESOURCE_EXHAUSTED`), then the shared path.
    func lookUp(_ request: Feast_Serving_GetOnlineFeaturesRequest) throws -> Feast_Serving_GetOnlineFeaturesResponse {
        do {
            try FeatureServer.checkEntityRows(request.longestEntityColumn, limit: server.configuration.maxEntities)
        } catch let error as FeatureStoreError {
            throw RPCError(code: .resourceExhausted, message: error.description)
        }
        let selection = try request.selection()
        let response = try server.lookUp(selection) { plan in try request.entityRows(for: plan) }
        return Feast_Serving_GetOnlineFeaturesResponse(response)
    }
}
