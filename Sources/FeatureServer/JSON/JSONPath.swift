/// A place in a JSON document, from the root: `df.conv_rate[3]`, for messages.
struct JSONPath: CustomStringConvertible {
    enum Component {
        case key(String)
        case index(Int)
    }

    private var components: [Component] = []

    var isEmpty: Bool { components.isEmpty }

    mutating func enter(_ component: Component) { components.append(component) }

    mutating func replaceLast(with component: Component) { components[components.count - 1] = component }

    mutating func leave() { components.removeLast() }

    /// Member names joined by dots (quoted when they are not plain names), indexes in brackets.
    var description: String {
        var out = ""
        for component in components {
            switch component {
            case .key(let key):
                out += Self.member(key, first: out.isEmpty)
            case .index(let index):
                out += "[\(index)]"
            }
        }
        return out.isEmpty ? "the top level" : out
    }

    /// `name` or `.name` for a plain name, `["odd name"]` for any other.
    static func member(_ key: String, first: Bool) -> String {
        let plain =
            !key.isEmpty && key.utf8.count <= 64
            && key.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                    true
                default: false
                }
            }
        if plain { return first ? key : "." + key }
        let shown = key.count > 40 ? String(key.prefix(40)) + "..." : key
        let escaped = String(shown.flatMap { $0 == "\"" || $0 == "\\" ? ["\\", $0] : [$0] })
        return "[\"\(escaped)\"]"
    }

    /// The path of value `row` of column `column` of the member `field`: `df.conv_rate[3]`.
    static func cell(_ field: String, _ column: String, _ row: Int) -> String {
        member(field, first: true) + member(column, first: false) + "[\(row)]"
    }
}
