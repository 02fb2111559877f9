import FeatureStoreCore
import Yams

/// Reads typed fields out of one YAML mapping, reporting wrong types, missing required keys and
/// unknown keys (with a suggestion) to a ``DiagnosticCollector``.
final class MappingReader {
    let file: String
    let node: Node
    let what: String
    let collector: DiagnosticCollector
    private var entries: [(key: String, keyNode: Node, value: Node)] = []
    private var consumed: Set<String> = []

    /// - Parameter what: how messages name the mapping (`feature view 'driver_stats'`).
    init?(_ node: Node, file: String, what: String, collector: DiagnosticCollector) {
        self.file = file
        self.node = node
        self.what = what
        self.collector = collector
        guard case .mapping(let mapping) = node else {
            collector.error(Position(file: file, mark: node.mark), "\(what) must be a mapping of `key: value` lines")
            return nil
        }
        var seen: Set<String> = []
        for (key, value) in mapping {
            let name = key.string ?? ""
            if !seen.insert(name).inserted {
                collector.error(
                    Position(file: file, mark: key.mark), "key '\(name)' appears twice in \(what); keep one of them")
            }
            entries.append((name, key, value))
        }
    }

    var position: Position { Position(file: file, mark: node.mark) }

    func error(_ position: Position, _ message: String) { collector.error(position, message) }

    /// The raw node of `key`, marking the key as known.
    func value(_ key: String) -> Node? {
        consumed.insert(key)
        return entries.first { $0.key == key }?.value
    }

    func has(_ key: String) -> Bool { entries.contains { $0.key == key } }

    func position(of key: String) -> Position {
        Position(file: file, mark: entries.first { $0.key == key }?.value.mark ?? node.mark)
    }

    /// A scalar string field.
    func string(_ key: String, required: Bool = false) -> (value: String, position: Position)? {
        guard let node = value(key) else {
            if required { collector.error(position, "\(what) is missing required field '\(key)'") }
            return nil
        }
        guard case .scalar(let scalar) = node else {
            collector.error(Position(file: file, mark: node.mark), "'\(key)' of \(what) must be a single value")
            return nil
        }
        if required, scalar.string.isEmpty {
            collector.error(Position(file: file, mark: node.mark), "'\(key)' of \(what) must not be empty")
            return nil
        }
        return (scalar.string, Position(file: file, mark: node.mark))
    }

    /// A boolean field (`true`/`false`).
    func bool(_ key: String) -> Bool? {
        guard let (text, position) = string(key) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            collector.error(position, "'\(key)' of \(what) must be true or false, not '\(text)'")
            return nil
        }
    }

    /// A duration field (`90s`, `1h30m`, `0`).
    func duration(_ key: String) -> TimeSpan? {
        guard let (text, position) = string(key) else { return nil }
        guard let span = TimeSpan(parsing: text), span >= .zero else {
            collector.error(
                position,
                "'\(key)' of \(what) is not a duration: '\(text)'; write a number and a unit such as 90s, 15m, 2h, 1d, 1w or 1h30m (0 means unlimited)"
            )
            return nil
        }
        return span
    }

    /// A value type field (`int64`, ...).
    func valueType(_ key: String, required: Bool = true, allowed: [ValueType] = ValueType.allCases) -> ValueType? {
        guard let (text, position) = string(key, required: required) else { return nil }
        return Self.valueType(text, at: position, allowed: allowed, what: "'\(key)' of \(what)", collector: collector)
    }

    static func valueType(
        _ text: String, at position: Position, allowed: [ValueType] = ValueType.allCases, what: String,
        collector: DiagnosticCollector
    ) -> ValueType? {
        guard let type = ValueType(rawValue: text), allowed.contains(type) else {
            let names = allowed.map(\.rawValue)
            collector.error(
                position,
                "unknown type '\(text)' for \(what); use one of \(names.joined(separator: ", ")).\(Suggestion.didYouMean(text, in: names))"
            )
            return nil
        }
        return type
    }

    /// A mapping of string to string (tags, field_mapping).
    func stringMap(_ key: String) -> [String: String] {
        guard let node = value(key) else { return [:] }
        guard case .mapping(let mapping) = node else {
            collector.error(
                Position(file: file, mark: node.mark), "'\(key)' of \(what) must be a mapping of `key: value`")
            return [:]
        }
        var result: [String: String] = [:]
        for (k, v) in mapping {
            guard let ks = k.string, let vs = v.string else {
                collector.error(
                    Position(file: file, mark: v.mark), "'\(key)' of \(what) must map names to plain values")
                continue
            }
            result[ks] = vs
        }
        return result
    }

    /// A sequence field: its items, or `[]` with a message when it is not a list.
    func sequence(_ key: String, required: Bool = false) -> [Node] {
        guard let node = value(key) else {
            if required { collector.error(position, "\(what) is missing required field '\(key)'") }
            return []
        }
        guard case .sequence(let sequence) = node else {
            collector.error(
                Position(file: file, mark: node.mark), "'\(key)' of \(what) must be a list (lines starting with '- ')")
            return []
        }
        return Array(sequence)
    }

    /// Reports every key that no reader asked for.
    func finish() {
        let known = consumed
        for entry in entries where !known.contains(entry.key) {
            collector.error(
                Position(file: file, mark: entry.keyNode.mark),
                "unknown field '\(entry.key)' in \(what).\(Suggestion.didYouMean(entry.key, in: known)) Known fields: \(known.sorted().joined(separator: ", "))."
            )
        }
    }
}
