import FeatureStoreKit

/// Decides which entity rows of a lookup a logging service logs.
///
/// - `sample_by: key`: an entity is in the sample when the hash of its join key values (a
///   ``ContentHash``, the same in every process and on every machine) falls below the rate, so
///   every lookup of a sampled entity is logged and the others never are.
/// - `sample_by: request`: the whole lookup is in or out, at random.
struct ServedLogSampler: Sendable {
    var settings: LoggingSettings

    /// The rows of `response` (0-based) to log, given the plan's join keys at `keyColumns` of
    /// the response; empty when none is sampled.
    func rows(keyColumns: [Int], of response: OnlineFeaturesResponse, rowCount: Int) -> [Int] {
        let rate = settings.sampleRate
        if rate >= 1 { return Array(0..<rowCount) }
        switch settings.sampleBy {
        case .request:
            return Double.random(in: 0..<1) < rate ? Array(0..<rowCount) : []
        case .key:
            return (0..<rowCount).filter { row in
                Self.keyIsSampled(keyColumns.map { response.columns[$0][row].value }, rate: rate)
            }
        }
    }

    /// Whether the entity with these join key values is in a key sample of `rate`.
    static func keyIsSampled(_ key: [FeatureValue], rate: Double) -> Bool {
        if rate >= 1 { return true }
        var hash = ContentHash()
        for value in key { hash.combine(value) }
        // The top 53 bits as a fraction in [0, 1): exact in a Double, never traps.
        return Double(hash.value.0 >> 11) / 9_007_199_254_740_992 < rate
    }
}
