import FeatureStoreKit

/// What an online lookup asks for, however it arrived (Feast's JSON over HTTP, or another
/// transport): `view:feature` references as sent, or a feature service, and the naming of the
/// output.
public struct FeatureSelection: Sendable, Hashable {
    /// The `view:feature` strings as sent (parsed only when the plan is not cached).
    public var features: [String]?
    /// A feature service's name, when no features are listed.
    public var service: String?
    /// Name features `view__feature` rather than `feature`.
    public var fullFeatureNames: Bool

    public init(features: [String]? = nil, service: String? = nil, fullFeatureNames: Bool = false) {
        self.features = features
        self.service = service
        self.fullFeatureNames = fullFeatureNames
    }

    /// Resolves the features against the served definitions, through the snapshot's plan cache,
    /// with the served-vector log settings of a logging service.
    ///
    /// - Throws: `notFound` for an unknown view, feature or service; `invalidArgument` for a
    ///   reference that is not `view:feature`.
    func plan(_ state: ReadState) throws -> CachedPlan {
        let key = PlanCache.Key(features: features ?? [], service: service, fullFeatureNames: fullFeatureNames)
        return try state.plans.plan(for: key) {
            let definitions = state.snapshot.definitions
            if let service {
                let plan = try OnlineReadPlan(
                    service: service, definitions: definitions, fullFeatureNames: fullFeatureNames)
                let logging = definitions.featureService(service)?.logging.map { settings in
                    CachedPlan.Logging(
                        service: service, settings: settings,
                        serviceVersion: state.snapshot.record(.featureService, service)?.version ?? 0,
                        keyNames: plan.joinKeys.map(\.name))
                }
                return CachedPlan(plan: plan, logging: logging)
            }
            let references = try (features ?? []).map { text in
                guard let reference = FeatureReference(parsing: text) else {
                    throw FeatureStoreError.invalidArgument(
                        "feature reference \"\(text)\" is not of the form \"view:feature\"")
                }
                return reference
            }
            return CachedPlan(
                plan: try OnlineReadPlan(
                    references: references, definitions: definitions, fullFeatureNames: fullFeatureNames))
        }
    }
}

extension FeatureServer {
    /// The server's one online lookup, behind every transport: the current registry snapshot, its
    /// cached plan for `selection`, the entities typed against that plan, the read at the server's
    /// clock (ttl enforced against it), the served-values metrics, and the hand-over of a logging
    /// service's lookup to the served-vector log (``ServedLog``; never waited for). It never waits
    /// for store work (materializations, offline writes, registry reloads, log writes).
    ///
    /// - Parameters:
    ///   - selection: what to read.
    ///   - entities: the request's entity columns, typed against the plan's join keys by the
    ///     transport that decoded them (each names its own offending values); columns that are
    ///     not join keys are passed through (empty) for the read to name.
    /// - Throws: ``FeatureStoreError``: `notFound` for unknown names, `invalidArgument` for entities
    ///   that do not fit the plan, `storage` when the online store fails; and what `entities` throws.
    public func lookUp(_ selection: FeatureSelection, entities: (OnlineReadPlan) throws -> EntityRows) async throws
        -> OnlineFeaturesResponse
    {
        try await lookUp(try prepareLookup(selection, entities: entities))
    }

    /// The synchronous half of ``lookUp(_:entities:)``: the snapshot, the plan and the typed
    /// entities, for a transport that decodes them from bytes it holds only for a call.
    public func prepareLookup(_ selection: FeatureSelection, entities: (OnlineReadPlan) throws -> EntityRows) throws
        -> PreparedLookup
    {
        let current = state.current
        let cached = try selection.plan(current)
        return PreparedLookup(state: current, cached: cached, rows: try entities(cached.plan))
    }

    /// The read half of ``lookUp(_:entities:)``.
    public func lookUp(_ prepared: PreparedLookup) async throws -> OnlineFeaturesResponse {
        let plan = prepared.cached.plan
        let rows = prepared.rows
        let now = clock()
        let response = try await prepared.state.reader.read(plan, entities: rows, now: now)
        let count = rows.count
        for read in plan.reads {
            metrics.recordServed(view: read.view.name, entities: count, features: read.features.count)
        }
        if let logging = prepared.cached.logging {
            servedLog.record(
                logging, plan: plan, response: response,
                requestID: RequestScope.current?.requestID ?? RequestScope.newID(), now: now)
        }
        return response
    }

    /// Refuses an entity column of more rows than the limit (`--max-entities`); every transport
    /// checks each column with this as it reads the request, before converting any value.
    ///
    /// - Throws: `invalidArgument` naming the count and the limit.
    public static func checkEntityRows(_ rows: Int, limit: Int) throws {
        guard rows > limit else { return }
        throw FeatureStoreError.invalidArgument(
            "\"entities\" has \(rows) rows, more than the server's limit of \(limit) (--max-entities); split the request"
        )
    }
}

/// A lookup resolved and typed, not yet read (``FeatureServer/prepareLookup(_:entities:)``).
public struct PreparedLookup: Sendable {
    let state: ReadState
    let cached: CachedPlan
    let rows: EntityRows
}
