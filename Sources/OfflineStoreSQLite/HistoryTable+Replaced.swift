import FeatureStoreCore
import SQLite

/// The replaced versions of a source with `dedupe_on`: every stored version that a later one
/// replaced at an earlier event time or under another entity, kept so materialization can take a
/// replaced version back from the online store (a monotonic write never would: the version that
/// replaced it looks older).
///
/// `history_<source>_g<generation>__replaced` has the history table's columns (the old version,
/// whole, with its arrival number) and `__replaced_by`, the arrival number of the version that
/// replaced it: "replaced since arrival n" is one range.
extension HistoryTable {
    public static let replacedByColumn = "__replaced_by"

    static let replacedSuffix = "__replaced"

    /// The table of replaced versions.
    public var replacedName: String { name + Self.replacedSuffix }

    /// The history table a table of replaced versions belongs to, if `name` is one.
    package static func historyName(ofReplaced name: String) -> String? {
        name.hasSuffix(replacedSuffix) ? String(name.dropLast(replacedSuffix.count)) : nil
    }

    /// Whether `name` is one fs gives a history table (`history_<source>_g<generation>`, or the
    /// layout before arrival numbers with `_<16 hex digits>` after it), optionally with
    /// ``replacedSuffix``: the only tables ``OfflineStore/dropHistoryTables(except:)`` may drop, so
    /// a table of the user's that merely starts with `history_` is never touched.
    package static func isHistoryName(_ name: String) -> Bool {
        var base = Substring(historyName(ofReplaced: name) ?? name)
        guard base.hasPrefix("history_") else { return false }
        base = base.dropFirst("history_".count)
        if let last = base.lastIndex(of: "_"), base[base.index(after: last)...].count == 16,
            base[base.index(after: last)...].allSatisfy(\.isHexDigit)
        {
            base = base[..<last]
        }
        // The generation follows the last `_g`; the source name (which may hold `_g` too) precedes it.
        guard let marker = base.indices.last(where: { base[$0...].hasPrefix("_g") }) else { return false }
        let generation = base[base.index(marker, offsetBy: 2)...]
        return marker > base.startIndex && !generation.isEmpty && generation.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// Only sources whose events can be replaced (by `dedupe_on`) keep their replaced versions.
    package var keepsReplacedVersions: Bool { !source.dedupeOn.isEmpty }

    var createReplacedSQL: String {
        let columns =
            [
                "\(Self.replacedByColumn) INTEGER PRIMARY KEY", "\(Self.eventColumn) INTEGER NOT NULL",
                "\(Self.sequenceColumn) INTEGER NOT NULL", "\(Self.createdColumn) INTEGER NOT NULL",
            ] + valueColumns.map(\.declaration)
        return "CREATE TABLE IF NOT EXISTS \(quoteIdentifier(replacedName)) (\(columns.joined(separator: ", ")))"
    }
}
