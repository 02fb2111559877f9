/// "Did you mean" help for misspelled names.
public enum Suggestion {
    /// The candidate closest to `name` by edit distance, if it is close enough to be a likely typo.
    public static func closest(to name: String, in candidates: some Sequence<String>) -> String? {
        var best: (String, Int)?
        for candidate in candidates {
            let distance = editDistance(Array(name.lowercased().utf8), Array(candidate.lowercased().utf8))
            if distance <= max(2, name.count / 3), distance < (best?.1 ?? .max) { best = (candidate, distance) }
        }
        return best?.0
    }

    /// ` Did you mean 'x'?` or an empty string.
    public static func didYouMean(_ name: String, in candidates: some Sequence<String>) -> String {
        closest(to: name, in: candidates).map { " Did you mean '\($0)'?" } ?? ""
    }

    /// `'a', 'b', 'c'` or `none`, for "known names are ..." messages.
    public static func list(_ names: some Sequence<String>) -> String {
        let quoted = names.map { "'\($0)'" }
        return quoted.isEmpty ? "none" : quoted.joined(separator: ", ")
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
