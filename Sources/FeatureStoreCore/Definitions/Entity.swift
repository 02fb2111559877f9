/// A join key of an entity: a column name and the type of its values.
public struct JoinKey: Codable, Hashable, Sendable {
    public var name: String
    public var valueType: ValueType

    public init(name: String, valueType: ValueType) {
        self.name = name
        self.valueType = valueType
    }

    enum CodingKeys: String, CodingKey {
        case name
        case valueType = "value_type"
    }
}

/// Something features describe (a driver, a rider), identified by one or more join keys.
public struct Entity: Codable, Hashable, Sendable {
    public var name: String
    public var joinKeys: [JoinKey]
    public var description: String
    public var tags: [String: String]

    public init(name: String, joinKeys: [JoinKey], description: String = "", tags: [String: String] = [:]) {
        self.name = name
        self.joinKeys = joinKeys
        self.description = description
        self.tags = tags
    }

    enum CodingKeys: String, CodingKey {
        case name
        case joinKeys = "join_keys"
        case description, tags
    }
}
