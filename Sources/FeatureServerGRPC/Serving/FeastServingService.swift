import FeastProtos
import FeatureServer
import FeatureStoreKit
import GRPCCore
import GRPCProtobuf
import SwiftProtobuf

/// Feast's `feast.serving.ServingService` over gRPC: the same lookups as HTTP's
/// `POST /get-online-features`, through ``FeatureServer/lookUp(_:entities:)`` (its snapshot,
/// plan cache, clock and served-values metrics), with protobuf in and out.
struct FeastServingService: Feast_Serving_ServingService.ServiceProtocol {
    let server: FeatureServer
    let version: String

    /// The generated registration, with ``LimitedDeserializer`` for the lookup's request.
    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        router.registerHandler(
            forMethod: Feast_Serving_ServingService.Method.GetFeastServingInfo.descriptor,
            deserializer: ProtobufDeserializer<Feast_Serving_GetFeastServingInfoRequest>(),
            serializer: ProtobufSerializer<Feast_Serving_GetFeastServingInfoResponse>(),
            handler: { request, context in try await getFeastServingInfo(request: request, context: context) })
        router.registerHandler(
            forMethod: Feast_Serving_ServingService.Method.GetOnlineFeatures.descriptor,
            deserializer: LimitedDeserializer<Feast_Serving_GetOnlineFeaturesRequest>(
                limit: server.configuration.maxBodyBytes),
            serializer: ProtobufSerializer<Feast_Serving_GetOnlineFeaturesResponse>(),
            handler: { request, context in try await getOnlineFeatures(request: request, context: context) })
    }

    func getFeastServingInfo(
        request: ServerRequest<Feast_Serving_GetFeastServingInfoRequest>, context: ServerContext
    ) async throws -> ServerResponse<Feast_Serving_GetFeastServingInfoResponse> {
        ServerResponse(message: .with { $0.version = version })
    }

    func getOnlineFeatures(
        request: ServerRequest<Feast_Serving_GetOnlineFeaturesRequest>, context: ServerContext
    ) async throws -> ServerResponse<Feast_Serving_GetOnlineFeaturesResponse> {
        ServerResponse(message: try await lookUp(request.message))
    }

    /// The lookup: limits first (`RESOURCE_EXHAUSTED`), then the shared path.
    func lookUp(_ request: Feast_Serving_GetOnlineFeaturesRequest) async throws
        -> Feast_Serving_GetOnlineFeaturesResponse
    {
        do {
            try FeatureServer.checkEntityRows(request.longestEntityColumn, limit: server.configuration.maxEntities)
        } catch let error as FeatureStoreError {
            throw RPCError(code: .resourceExhausted, message: error.description)
        }
        let selection = try request.selection()
        let response = try await server.lookUp(selection) { plan in try request.entityRows(for: plan) }
        return Feast_Serving_GetOnlineFeaturesResponse(response)
    }
}
