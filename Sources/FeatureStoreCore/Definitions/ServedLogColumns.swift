/// The columns of a feature service's served-vector log, as a `served_log` source shows them:
/// one definition for the log's writer (`ServedLogLayout`) and for the sources that read it.
///
/// In order: the service's join keys; per served feature `{view}__{feature}` (its value),
/// `{view}__{feature}__timestamp` and `{view}__{feature}__status`; ``logTimestamp`` (the source's
/// event time), ``requestID``, ``serviceVersion``; then the outcome values the source declares
/// (its `schema:`), each the latest recorded for the row's request.
public enum ServedLogColumns {
    public static let logTimestamp = "__log_timestamp"
    public static let requestID = "__request_id"
    public static let serviceVersion = "__service_version"

    /// `{view}__{feature}`: the served value.
    public static func value(view: String, feature: String) -> String { "\(view)__\(feature)" }
    /// The event time of the served value.
    public static func timestamp(view: String, feature: String) -> String {
        value(view: view, feature: feature) + "__timestamp"
    }
    /// The status of the served value (`PRESENT`, `NOT_FOUND`, `NULL_VALUE`, `OUTSIDE_MAX_AGE`).
    public static func status(view: String, feature: String) -> String {
        value(view: view, feature: feature) + "__status"
    }

    /// The types an outcome column may be declared as (outcomes are JSON values).
    public static let outcomeTypes: [ValueType] = [.int64, .float64, .string, .bool]

    /// Whether `name` can name an outcome value: 1 to 128 ASCII letters, digits and `_`, not
    /// starting with a digit nor with `__` (reserved for the log's own columns).
    public static func isOutcomeName(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 128, !name.hasPrefix("__"), !(48...57).contains(first)
        else { return false }
        return name.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 122) || $0 == 95 }
    }

    /// The schema of a `served_log` source: the logged columns of a service whose lookups read
    /// `plan` (resolved with full feature names), then `outcomes`.
    public static func schema(plan: OnlineReadPlan, outcomes: [Field]) -> [Field] {
        var fields = plan.joinKeys.map { Field(name: $0.name, type: $0.valueType) }
        for read in plan.reads {
            for feature in read.features {
                let type = read.view.feature(named: feature)?.type ?? .string
                fields.append(Field(name: value(view: read.view.name, feature: feature), type: type))
                fields.append(Field(name: timestamp(view: read.view.name, feature: feature), type: .timestamp))
                fields.append(Field(name: status(view: read.view.name, feature: feature), type: .string))
            }
        }
        fields.append(Field(name: logTimestamp, type: .timestamp))
        fields.append(Field(name: requestID, type: .string))
        fields.append(Field(name: serviceVersion, type: .int64))
        return fields + outcomes
    }

    /// The outcome columns of a `served_log` source's schema: those after ``serviceVersion``.
    public static func outcomes(of source: Source) -> [Field] {
        guard let index = source.schema.firstIndex(where: { $0.name == serviceVersion }) else { return source.schema }
        return Array(source.schema[(index + 1)...])
    }
}
