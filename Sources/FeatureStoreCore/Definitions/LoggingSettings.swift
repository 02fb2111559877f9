/// A feature service's `logging:` block: which of its lookups the server logs (the served
/// feature vectors, into a log table of the offline store).
///
/// ```yaml
/// logging: { sample_rate: 0.1, sample_by: key }
/// ```
public struct LoggingSettings: Codable, Hashable, Sendable {
    /// How a lookup is chosen for the log.
    public enum SampleBy: String, Codable, Hashable, Sendable, CaseIterable {
        /// Each entity (its join key values) is in or out, deterministically: every lookup of a
        /// sampled entity is logged (Chronon's sampling).
        case key
        /// Each request is in or out at random (Feast's sampling).
        case request
    }

    /// The share of lookups logged, above 0 and at most 1.
    public var sampleRate: Double
    public var sampleBy: SampleBy
    /// How long `fs serve` keeps the service's log rows (pruned by whole days, once an hour);
    /// `nil` keeps them until `fs log prune`.
    public var retention: TimeSpan?

    public static let defaultSampleRate = 1.0
    public static let defaultSampleBy = SampleBy.request

    public init(
        sampleRate: Double = LoggingSettings.defaultSampleRate, sampleBy: SampleBy = LoggingSettings.defaultSampleBy
    ) {
        self.sampleRate = sampleRate
        self.sampleBy = sampleBy
    }

    enum CodingKeys: String, CodingKey {
        case sampleRate = "sample_rate"
        case sampleBy = "sample_by"
        case retention
    }

    /// Whether `rate` is a sample rate: a finite number above 0 and at most 1.
    public static func isValidSampleRate(_ rate: Double) -> Bool { rate.isFinite && rate > 0 && rate <= 1 }
}
