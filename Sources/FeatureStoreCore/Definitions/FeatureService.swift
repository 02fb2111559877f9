/// A reference to one feature (`view:feature`) or all of a view's features (`view:*`).
public struct FeatureReference: Hashable, Sendable, Codable, CustomStringConvertible {
    public var view: String
    /// A feature name, or `*` for all of the view's features.
    public var feature: String

    public init(view: String, feature: String) {
        self.view = view
        self.feature = feature
    }

    /// Parses `view:feature`; `nil` unless both parts are non-empty.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        self.view = parts[0].trimmingSpaces
        self.feature = parts[1].trimmingSpaces
    }

    public var isWildcard: Bool { feature == "*" }

    public var description: String { "\(view):\(feature)" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = FeatureReference(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "bad reference '\(text)'")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A named set of features a model uses, possibly from several views.
public struct FeatureService: Codable, Hashable, Sendable {
    public var name: String
    public var features: [FeatureReference]
    public var description: String
    public var tags: [String: String]
    /// How `fs drift` watches the service's features (`monitoring:`), when declared.
    public var monitoring: MonitoringSettings?
    /// Which of the service's lookups the server logs (`logging:`), when declared.
    public var logging: LoggingSettings?

    public init(
        name: String, features: [FeatureReference], description: String = "", tags: [String: String] = [:],
        monitoring: MonitoringSettings? = nil, logging: LoggingSettings? = nil
    ) {
        self.name = name
        self.features = features
        self.description = description
        self.tags = tags
        self.monitoring = monitoring
        self.logging = logging
    }
}
