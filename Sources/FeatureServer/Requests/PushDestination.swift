import FeatureStoreKit

/// Where `/push` writes: Feast's `to` values.
enum PushDestination: String, Sendable {
    case online
    case offline
    case onlineAndOffline = "online_and_offline"

    var writesOnline: Bool { self != .offline }
    var writesOffline: Bool { self != .online }

    /// Reads `to` (default `online`, as in Feast).
    init(_ body: JSONValue) throws {
        switch body["to"] {
        case nil, .null?: self = .online
        case .string(let text)?:
            guard let value = PushDestination(rawValue: text.lowercased()) else {
                throw FeatureStoreError.invalidArgument(
                    "\"to\" is \"\(text)\"; give \"online\", \"offline\" or \"online_and_offline\"")
            }
            self = value
        case let other?:
            throw FeatureStoreError.invalidArgument(
                "\"to\" is \(other.kindDescription); give \"online\", \"offline\" or \"online_and_offline\"")
        }
    }
}

extension JSONValue {
    /// The string member `key`, required.
    func requiredString(_ key: String, hint: String) throws -> String {
        switch self[key] {
        case .string(let text)?: return text
        case nil, .null?: throw FeatureStoreError.invalidArgument("missing \"\(key)\": \(hint)")
        case let other?: throw FeatureStoreError.invalidArgument("\"\(key)\" is \(other.kindDescription); \(hint)")
        }
    }
}
