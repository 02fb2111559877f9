import Testing

@testable import FeatureServer

/// The long tables' rows are written by fs, so their escaping is checked here against a plain
/// reference on random text (markup characters, multi-byte characters, empty strings).
@Suite struct UIRowsTests {
    static func reference(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    @Test func escapingMatchesTheReferenceOnRandomText() {
        let alphabet: [Character] = ["<", ">", "&", "\"", "'", "a", "Z", "0", " ", "é", "≈", "🙂", "\n", ";", "#"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let length = Int.random(in: 0...24, using: &generator)
            let text = String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
            #expect(HTML.escape(text) == Self.reference(text), "\(text)")
        }
    }

    @Test func cellsAndLinksEscapeEveryValue() {
        var rows = UIRows()
        rows.raw("<tr>")
        rows.cell("<script>x</script>", class: "number")
        rows.link(prefix: "/ui/feature-views/", #"a"b"#)
        rows.raw("</tr>")
        #expect(
            rows.html
                == #"<tr><td class="number">&lt;script&gt;x&lt;/script&gt;</td><a href="/ui/feature-views/a&quot;b">a&quot;b</a></tr>"#
        )
    }
}
