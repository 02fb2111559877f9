/// The rows of the UI's long tables (the overview's views, the lists, the jobs page's runs and
/// watermarks), written as HTML here rather than by Mustache: Mustache looks every value up through
/// its context stack with dynamic casts and escapes character by character, which took most of
/// the overview's and the lists' 50-70 ms for 500 rows (perf, release build). Every value goes
/// through ``HTML/escape(_:)``; the templates insert the result with `{{{...}}}`.
struct UIRows {
    private(set) var html = ""

    init(capacity: Int = 0) { html.reserveCapacity(capacity) }

    /// Appends markup written by fs (never a value).
    mutating func raw(_ markup: String) { html += markup }

    /// Appends a value, escaped.
    mutating func text(_ value: String) { HTML.append(value, to: &html) }

    /// `<td>value</td>`, or with a class.
    mutating func cell(_ value: String, class name: String? = nil) {
        html += name.map { #"<td class="\#($0)">"# } ?? "<td>"
        text(value)
        html += "</td>"
    }

    /// `<a href="PREFIX/NAME">NAME</a>` (the name escaped in both places).
    mutating func link(prefix: String, _ name: String, href: String? = nil) {
        html += #"<a href=""#
        html += prefix
        text(href ?? name)
        html += #"">"#
        text(name)
        html += "</a>"
    }
}
