import FeatureStoreKit
import Synchronization

/// Resolved read plans by request shape, for one registry snapshot: a repeated lookup (the usual
/// case: a model asks for the same features each time) skips parsing the references and
/// resolving them against the definitions. A new registry version gets a new, empty cache.
final class PlanCache: Sendable {
    struct Key: Hashable, Sendable {
        var features: [String]
        var service: String?
        var fullFeatureNames: Bool
    }

    /// The most shapes kept; past it the cache starts over (shapes are few in practice).
    static let capacity = 4096

    private let plans = Mutex<[Key: OnlineReadPlan]>([:])

    /// The cached plan for `key`, or `make()`'s, cached when it succeeds.
    func plan(for key: Key, make: () throws -> OnlineReadPlan) throws -> OnlineReadPlan {
        if let plan = plans.withLock({ $0[key] }) { return plan }
        let plan = try make()
        plans.withLock { cache in
            if cache.count >= Self.capacity { cache.removeAll(keepingCapacity: true) }
            cache[key] = plan
        }
        return plan
    }
}
