/// The kinds of object a feature repo declares.
public enum ObjectKind: String, Codable, Sendable, CaseIterable, Comparable {
    case entity
    case source
    case featureView = "feature_view"
    case featureService = "feature_service"

    public static func < (lhs: ObjectKind, rhs: ObjectKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// The YAML section that declares objects of this kind (`feature_views`).
    public var section: String {
        switch self {
        case .entity: "entities"
        case .source: "sources"
        case .featureView: "feature_views"
        case .featureService: "feature_services"
        }
    }
}

/// One registered object: its kind and name.
public struct ObjectID: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    public var kind: ObjectKind
    public var name: String

    public init(_ kind: ObjectKind, _ name: String) {
        self.kind = kind
        self.name = name
    }

    public static func < (lhs: ObjectID, rhs: ObjectID) -> Bool { (lhs.kind, lhs.name) < (rhs.kind, rhs.name) }

    public var description: String { "\(kind.rawValue) \(name)" }
}
