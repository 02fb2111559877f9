import FeatureStoreKit
import Hummingbird

extension FeatureServer {
    /// `POST /log/outcomes`.
    func addLogRoutes(to router: Router<BasicRequestContext>) {
        router.post("/log/outcomes") { request, _ in try await self.logOutcomes(request) }
    }

    /// Stores model outputs and labels against logged requests, all of the body or none, before
    /// answering. An unknown request id is accepted: an outcome may arrive before its lookup's log
    /// rows are written (they wait up to a second in the queue), or name a lookup that was not
    /// sampled; the join from the log to outcomes simply finds nothing for it.
    func logOutcomes(_ request: Request) async throws -> Response {
        let body = try await json(of: request)
        let now = clock()
        let parsed = try OutcomesRequest(
            body, maxOutcomes: configuration.maxEntities,
            limit: EventTimeLimit(now: now, skew: stores.config.futureSkew))
        try await servedLog.writeOutcomes(parsed.outcomes, receivedAt: now)
        let values = parsed.outcomes.reduce(0) { $0 + $1.values.count }
        return Response.json(Array(#"{"outcomes":\#(parsed.outcomes.count),"values":\#(values)}"#.utf8))
    }
}
