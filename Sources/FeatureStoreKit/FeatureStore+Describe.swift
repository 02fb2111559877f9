import FeatureRegistry
import FeatureStoreCore

/// One registered object with its bookkeeping, as `fs list --json` and `fs describe --json` print it.
public struct RegisteredObject: Encodable, Sendable {
    public var kind: ObjectKind
    public var name: String
    public var record: ObjectRecord?
    public var spec: Spec

    /// The definition itself.
    public enum Spec: Encodable, Sendable {
        case entity(Entity)
        case source(Source)
        case featureView(FeatureView)
        case featureService(FeatureService)

        public func encode(to encoder: any Encoder) throws {
            switch self {
            case .entity(let value): try value.encode(to: encoder)
            case .source(let value): try value.encode(to: encoder)
            case .featureView(let value): try value.encode(to: encoder)
            case .featureService(let value): try value.encode(to: encoder)
            }
        }
    }

    enum CodingKeys: String, CodingKey {
        case kind, name, version, generation
        case updatedAt = "updated_at"
        case spec
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(name, forKey: .name)
        try container.encodeIfPresent(record?.version, forKey: .version)
        try container.encodeIfPresent(record?.generation, forKey: .generation)
        try container.encodeIfPresent(record?.updatedAt, forKey: .updatedAt)
        try container.encode(spec, forKey: .spec)
    }
}

extension RegistrySnapshot {
    /// The registered objects of one kind, by name.
    public func objects(of kind: ObjectKind) -> [RegisteredObject] {
        let d = definitions
        let specs: [(String, RegisteredObject.Spec)] =
            switch kind {
            case .entity: d.entities.map { ($0.name, .entity($0)) }
            case .source: d.sources.map { ($0.name, .source($0)) }
            case .featureView: d.featureViews.map { ($0.name, .featureView($0)) }
            case .featureService: d.featureServices.map { ($0.name, .featureService($0)) }
            }
        return specs.map { RegisteredObject(kind: kind, name: $0.0, record: record(kind, $0.0), spec: $0.1) }
    }

    /// Every registered object named `name`, of any kind.
    public func objects(named name: String) -> [RegisteredObject] {
        ObjectKind.allCases.flatMap { objects(of: $0) }.filter { $0.name == name }
    }
}
