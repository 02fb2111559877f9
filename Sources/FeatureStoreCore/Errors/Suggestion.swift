/// "Did you mean" help for misspelled names.
public enum Suggestion {
    /// The candidate closest to `name` by edit distance, if it is close enough to be a likely typo.
    public static func closest(to name: String, in candidates: some Sequence<String>) -> String? {
        var best: (String, Int)?
        let limit = max(2, name.count / 3)
        for candidate in candidates {
            // The distance is at least the difference in length (give or take what lowercasing
            // changes): skip what cannot be close, and never build the table for a huge candidate.
            guard abs(candidate.utf8.count - name.utf8.count) <= 4 * limit + 8 else { continue }
            let distance = editDistance(Array(name.lowercased().utf8), Array(candidate.lowercased().utf8))
            if distance <= limit, distance < (best?.1 ?? .max) { best = (candidate, distance) }
        }
        return best?.0
    }

    /// ` Did you mean 'x'?` or an empty string.
    public static func didYouMean(_ name: String, in candidates: some Sequence<String>) -> String {
        closest(to: name, in: candidates).map { " Did you mean '\($0)'?" } ?? ""
    }

    /// `'a', 'b', 'c'` or `none`, for "known names are ..." messages; names are quoted with
    /// ``Quote/value(_:)`` and the list stops after about ``Quote/limit`` bytes (`… and 12 more`).
    public static func list(_ names: some Sequence<String>) -> String {
        var text = ""
        var count = 0
        var shown = 0
        for name in names {
            count += 1
            guard text.utf8.count < Quote.limit else { continue }
            text += (text.isEmpty ? "" : ", ") + Quote.value(name)
            shown += 1
        }
        if count == 0 { return "none" }
        return shown < count ? text + " and \(count - shown) more" : text
    }

    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = Swift.min(
                    previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
