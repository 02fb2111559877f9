import Foundation
import Synchronization

/// Where each definition is written in the repo (`file:line` of its `name:`), found by reading the
/// YAML files again (the registry keeps definitions, not their places). Read once per registry
/// version.
final class DefinitionLocator: Sendable {
    /// By section (`entities`, `sources`, `feature_views`, `feature_services`) and name.
    typealias Places = [String: [String: String]]

    private let root: String
    private let cache = Mutex<(version: Int64, places: Places)?>(nil)

    init(root: String) { self.root = root }

    /// The place of `name` in `section`, for the definitions of registry `version`.
    func place(section: String, name: String, version: Int64) -> String? {
        let places = cache.withLock { cached -> Places in
            if let cached, cached.version == version { return cached.places }
            let places = Self.scan(root: root)
            cached = (version, places)
            return places
        }
        return places[section]?[name]
    }

    static let sections: Set<String> = ["entities", "sources", "feature_views", "feature_services"]

    /// Reads every `*.yaml`/`*.yml` below `root` (not `feature_store.yaml`, not hidden folders).
    static func scan(root: String) -> Places {
        var places: Places = [:]
        guard let walker = FileManager.default.enumerator(atPath: root) else { return places }
        var files: [String] = []
        while let file = walker.nextObject() as? String {
            if file.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }
            guard file.hasSuffix(".yaml") || file.hasSuffix(".yml"), file != "feature_store.yaml" else { continue }
            files.append(file)
        }
        for file in files.sorted() {
            guard let text = try? String(contentsOfFile: root + "/" + file, encoding: .utf8) else { continue }
            scan(text, file: file, into: &places)
        }
        return places
    }

    /// The `name:` of each item of a top-level section: the first `name` at the item's own level.
    static func scan(_ text: String, file: String, into places: inout Places) {
        var section: String?
        var itemIndent: Int?
        // An item whose `name:` is not on its first line: the line number of the item.
        var pending = false
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let indent = line.prefix { $0 == " " }.count
            let body = line.dropFirst(indent)
            if body.isEmpty || body.hasPrefix("#") { continue }
            if indent == 0 {
                let key = body.prefix { $0 != ":" }
                section = sections.contains(String(key)) ? String(key) : nil
                itemIndent = nil
                continue
            }
            guard let current = section else { continue }
            var rest: Substring
            if body.hasPrefix("- ") {
                if itemIndent == nil { itemIndent = indent }
                guard indent == itemIndent else { continue }
                rest = body.dropFirst(2).drop { $0 == " " }
                if rest.hasPrefix("{") { rest = rest.dropFirst().drop { $0 == " " } }
                pending = !rest.hasPrefix("name:")
                if pending { continue }
            } else if pending, let itemIndent, indent == itemIndent + 2, body.hasPrefix("name:") {
                pending = false
                rest = body
            } else {
                continue
            }
            let name = rest.dropFirst(5).prefix { $0 != "," && $0 != "}" && $0 != "#" }
                .trimmingCharacters(in: CharacterSet(charactersIn: " \"'"))
            if places[current, default: [:]][name] == nil {
                places[current, default: [:]][name] = "\(file):\(number + 1)"
            }
        }
    }
}
