import FeatureStoreKit
import Synchronization

/// A resolved read plan and, for a lookup of a feature service with `logging:`, what the
/// served-vector log needs about that service: decided once per request shape and snapshot, so a
/// lookup of a service that does not log pays one branch for logging.
struct CachedPlan: Sendable {
    /// A logging service's settings, as the snapshot declares them.
    struct Logging: Sendable {
        var service: String
        var settings: LoggingSettings
        /// The service's definition version in the snapshot.
        var serviceVersion: Int64
        /// The names of the plan's join keys, in ``OnlineReadPlan/joinKeys`` order: the response
        /// columns the log keeps as keys.
        var keyNames: [String]
    }

    var plan: OnlineReadPlan
    /// `nil` unless the lookup names a feature service that logs.
    var logging: Logging?
}

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

    private let plans = Mutex<[Key: CachedPlan]>([:])

    /// The cached plan for `key`, or `make()`'s, cached when it succeeds.
    func plan(for key: Key, make: () throws -> CachedPlan) throws -> CachedPlan {
        if let plan = plans.withLock({ $0[key] }) { return plan }
        let plan = try make()
        plans.withLock { cache in
            if cache.count >= Self.capacity { cache.removeAll(keepingCapacity: true) }
            cache[key] = plan
        }
        return plan
    }
}
