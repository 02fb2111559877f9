/// A feature a snapshot view serves: a column of its source.
public struct Feature: Codable, Hashable, Sendable {
    public var name: String
    public var type: ValueType
    public var description: String

    public init(name: String, type: ValueType, description: String = "") {
        self.name = name
        self.type = type
        self.description = description
    }
}

/// How often the server refreshes a view's online values (`every 5m`).
public struct Schedule: Hashable, Sendable, Codable, CustomStringConvertible {
    public var interval: TimeSpan

    public init(interval: TimeSpan) { self.interval = interval }

    /// Parses `every 5m` (or just `5m`).
    public init?(parsing text: String) {
        var rest = Substring(text.trimmingSpaces)
        if rest.hasPrefix("every ") { rest = rest.dropFirst(6) }
        guard let interval = TimeSpan(parsing: String(rest)), interval > .zero else { return nil }
        self.interval = interval
    }

    public var description: String { "every \(interval)" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Schedule(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "bad schedule '\(text)'")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A group of features over one source and a set of entities.
///
/// A snapshot view lists `features` (the latest value within `ttl`); an aggregate view lists
/// `aggregations` (functions over sliding windows of events).
public struct FeatureView: Codable, Hashable, Sendable {
    public var name: String
    public var entities: [String]
    public var source: String
    /// How far back a value stays valid; zero means forever.
    public var ttl: TimeSpan
    public var online: Bool
    public var features: [Feature]
    public var aggregations: [Aggregation]
    /// How late an event may arrive and still update online aggregates.
    public var lateness: TimeSpan
    public var schedule: Schedule?
    public var description: String
    public var owner: String
    public var tags: [String: String]

    public static let defaultLateness = TimeSpan.hours(1)

    public init(
        name: String, entities: [String], source: String, ttl: TimeSpan = .zero, online: Bool = true,
        features: [Feature] = [], aggregations: [Aggregation] = [], lateness: TimeSpan = FeatureView.defaultLateness,
        schedule: Schedule? = nil, description: String = "", owner: String = "", tags: [String: String] = [:]
    ) {
        self.name = name
        self.entities = entities
        self.source = source
        self.ttl = ttl
        self.online = online
        self.features = features
        self.aggregations = aggregations
        self.lateness = lateness
        self.schedule = schedule
        self.description = description
        self.owner = owner
        self.tags = tags
    }

    /// Whether this view computes windowed aggregates.
    public var isAggregate: Bool { !aggregations.isEmpty }

    /// The features the view serves: its plain features, or one per aggregation.
    public var outputFeatures: [Feature] {
        if aggregations.isEmpty { return features }
        return aggregations.map { Feature(name: $0.name, type: $0.outputType) }
    }

    /// The served feature named `name`, if any.
    public func feature(named name: String) -> Feature? { outputFeatures.first { $0.name == name } }
}
