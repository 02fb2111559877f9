/// Bounds on what one record of an input file may hold, so that no file, however malformed, makes
/// a reader use more memory than the file itself.
enum RecordLimits {
    /// The longest line (a CSV record, with its quoted line breaks, or a JSON Lines object) in
    /// bytes, line break excluded: 64 MiB.
    static let maxLineBytes = 64 << 20

    /// The error for a line past `limit`.
    static func tooLong(line: Int, limit: Int) -> RecordSyntaxError {
        RecordSyntaxError(
            line: line,
            message:
                "the line is longer than \(describe(limit)), the most one line (or CSV record) may hold; check that this is the right file and that its lines end with line breaks"
        )
    }

    static func describe(_ bytes: Int) -> String {
        bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
    }
}
