/// Where the values of a profile come from.
public enum ProfileSourceKind: String, Sendable, Codable, CaseIterable {
    /// The offline history of a source (profiled on ingest and push, in hourly buckets).
    case offline
    /// What a feature service served, from its served-vector log (hourly buckets).
    case served
    /// The feature values of a training set, saved under a name (one bucket).
    case baseline
}

/// One series of profiles: the offline history of a source (of one generation), the served log of
/// a feature service, or a named baseline. Within a series, profiles are kept per view, feature
/// and time bucket.
public struct ProfileSource: Hashable, Sendable, Codable, CustomStringConvertible {
    public var kind: ProfileSourceKind
    /// The source's name (offline), the feature service's (served) or the baseline's.
    public var name: String
    /// The source's generation (offline; a breaking change starts a new one), else 0.
    public var generation: Int64

    public init(kind: ProfileSourceKind, name: String, generation: Int64 = 0) {
        self.kind = kind
        self.name = name
        self.generation = generation
    }

    /// The offline history of a source.
    public static func offline(source: String, generation: Int64) -> ProfileSource {
        ProfileSource(kind: .offline, name: source, generation: generation)
    }

    /// The served-vector log of a feature service.
    public static func served(service: String) -> ProfileSource { ProfileSource(kind: .served, name: service) }

    /// A named baseline (a training set's values).
    public static func baseline(_ name: String) -> ProfileSource { ProfileSource(kind: .baseline, name: name) }

    public var description: String {
        switch kind {
        case .offline: "offline history of source '\(name)'"
        case .served: "served log of feature service '\(name)'"
        case .baseline: "baseline '\(name)'"
        }
    }
}
