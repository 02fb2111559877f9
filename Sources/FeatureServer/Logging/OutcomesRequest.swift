import FeatureStoreKit

/// A parsed `POST /log/outcomes` body: one outcome
/// `{"request_id": "...", "event_timestamp": "...", "values": {"prediction": 0.83, "label": 1}}`
/// or a batch `{"outcomes": [ ... ]}`. Strict: unknown members, missing ones, empty values, nulls,
/// nested values and event times past the future-skew limit are refused, naming where they are.
struct OutcomesRequest {
    var outcomes: [LoggedOutcome]

    static let members = ["request_id", "event_timestamp", "values"]

    /// - Throws: `invalidArgument` naming the JSON path and what to send instead.
    init(_ body: JSONValue, maxOutcomes: Int, limit: EventTimeLimit) throws {
        guard case .object(let members) = body else {
            throw FeatureStoreError.invalidArgument(
                "the request body is \(body.kindDescription); send an object {\"request_id\": ..., \"event_timestamp\": ..., \"values\": {...}} or {\"outcomes\": [...]}"
            )
        }
        if members.contains(where: { $0.key == "outcomes" }) {
            if let other = members.first(where: { $0.key != "outcomes" }) {
                throw FeatureStoreError.invalidArgument(
                    "\"\(other.key)\" beside \"outcomes\": a batch holds only \"outcomes\", a list of outcome objects")
            }
            guard case .array(let items)? = body["outcomes"] else {
                throw FeatureStoreError.invalidArgument(
                    "\"outcomes\" is \(body["outcomes"]?.kindDescription ?? "missing"); send a list of outcome objects")
            }
            guard !items.isEmpty else {
                throw FeatureStoreError.invalidArgument("\"outcomes\" is empty; send at least one outcome")
            }
            guard items.count <= maxOutcomes else {
                throw FeatureStoreError.invalidArgument(
                    "\"outcomes\" has \(items.count) items, more than the server's limit of \(maxOutcomes) (--max-entities); split the request"
                )
            }
            outcomes = try items.enumerated().map { try Self.outcome($1, at: "outcomes[\($0)]", limit: limit) }
        } else {
            outcomes = [try Self.outcome(body, at: "", limit: limit)]
        }
    }

    /// One outcome object at `path` (empty: the body itself).
    static func outcome(_ value: JSONValue, at path: String, limit: EventTimeLimit) throws -> LoggedOutcome {
        func at(_ member: String) -> String { path.isEmpty ? member : "\(path).\(member)" }
        guard case .object(let members) = value else {
            throw FeatureStoreError.invalidArgument(
                "\(path) is \(value.kindDescription); send an object with \"request_id\", \"event_timestamp\" and \"values\""
            )
        }
        for member in members where !Self.members.contains(member.key) {
            throw FeatureStoreError.invalidArgument(
                "unknown member \"\(at(member.key))\" of an outcome.\(Suggestion.didYouMean(member.key, in: Self.members)) An outcome has \"request_id\", \"event_timestamp\" and \"values\"."
            )
        }
        let requestID: String
        switch value["request_id"] {
        case .string(let text)?:
            guard RequestScope.id(fromHeader: text) == text else {
                throw FeatureStoreError.invalidArgument(
                    "\(at("request_id")) \(text.count > 40 ? "\"" + text.prefix(40) + "...\"" : "\"" + text + "\"") is not a request id: 1 to 128 visible ASCII characters, as the X-Request-ID header of the lookup's answer"
                )
            }
            requestID = text
        case nil, .null?:
            throw FeatureStoreError.invalidArgument(
                "missing \(at("request_id")): the X-Request-ID header of the lookup's answer")
        case let other?:
            throw FeatureStoreError.invalidArgument(
                "\(at("request_id")) is \(other.kindDescription); send the X-Request-ID header of the lookup's answer as a string"
            )
        }
        guard let timeValue = value["event_timestamp"], timeValue != .null else {
            throw FeatureStoreError.invalidArgument(
                "missing \(at("event_timestamp")): when the outcome happened, an RFC 3339 string such as \"2026-11-19T10:00:00Z\" or seconds since the epoch"
            )
        }
        guard case .timestamp(let eventTime) = try timeValue.featureValue(as: .timestamp, at: at("event_timestamp"))
        else { throw FeatureStoreError.invalidArgument("\(at("event_timestamp")) is not a time") }
        if let problem = limit.problem(eventTime) {
            throw FeatureStoreError.invalidArgument("\(at("event_timestamp")) \(eventTime.rfc3339) \(problem)")
        }
        guard case .object(let named)? = value["values"] else {
            throw FeatureStoreError.invalidArgument(
                "\(value["values"] == nil ? "missing \(at("values"))" : "\(at("values")) is \(value["values"]!.kindDescription)"); send an object of named numbers, strings or booleans, e.g. {\"prediction\": 0.83, \"label\": 1}"
            )
        }
        guard !named.isEmpty else {
            throw FeatureStoreError.invalidArgument("\(at("values")) is empty; send at least one named value")
        }
        var values: [LoggedOutcome.Value] = []
        var seen: Set<String> = []
        for (name, item) in named {
            let where_ = "\(at("values")).\(name)"
            guard LoggedOutcome.isValidName(name) else {
                throw FeatureStoreError.invalidArgument(
                    "outcome name \"\(name.prefix(40))\" at \(at("values")) must be 1 to 128 letters, digits or '_', not starting with a digit or '__'"
                )
            }
            guard seen.insert(name).inserted else {
                throw FeatureStoreError.invalidArgument("\(where_) appears twice; send each value once")
            }
            let typed: FeatureValue
            switch item {
            case .int(let v): typed = .int64(v)
            case .double(let v): typed = .float64(v)
            case .string(let v): typed = .string(v)
            case .bool(let v): typed = .bool(v)
            case .largeInteger(let text):
                throw FeatureStoreError.invalidArgument(
                    "\(where_) is \(text.prefix(40)), beyond the range of a 64-bit integer; send it as a float (with a decimal point) or a string"
                )
            case .null:
                throw FeatureStoreError.invalidArgument("\(where_) is null; omit a value that is not known")
            case .array, .object:
                throw FeatureStoreError.invalidArgument(
                    "\(where_) is \(item.kindDescription); send a number, a string or a boolean")
            }
            values.append(.init(name: name, value: typed))
        }
        return LoggedOutcome(requestID: requestID, eventTime: eventTime, values: values)
    }
}
