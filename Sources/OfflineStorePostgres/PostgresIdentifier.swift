import FeatureStoreCore

/// Names as PostgreSQL stores them. PostgreSQL keeps at most 63 bytes of an identifier and cuts
/// the rest off silently (a NOTICE nobody reads), so two long names that share their first 63
/// bytes would be one table, and a name longer than that would never be found again under its
/// full spelling.
public enum PostgresIdentifier {
    /// The most bytes PostgreSQL keeps of an identifier (`NAMEDATALEN - 1`).
    public static let maxBytes = 63

    /// `name` itself when it fits; else its first bytes (whole characters) and `_` and 16 hex digits
    /// of a hash of the whole name, 63 bytes at most: stable across processes and machines, and
    /// distinct for distinct names (up to a 64-bit hash collision).
    public static func fitted(_ name: String) -> String {
        guard name.utf8.count > maxBytes else { return name }
        var hash = ContentHash()
        Array(name.utf8).withUnsafeBytes { hash.combine($0) }
        let suffix = "_" + String(hash.value.0, radix: 16).leftPadded(to: 16)
        var prefix = ""
        for character in name {
            guard prefix.utf8.count + character.utf8.count + suffix.utf8.count <= maxBytes else { break }
            prefix.append(character)
        }
        return prefix + suffix
    }

    /// Fails unless `name` (a column) fits: columns are named by the definitions, and a cut name
    /// could meet another column's.
    public static func requireFits(_ name: String, what: String) throws {
        guard name.utf8.count > maxBytes else { return }
        throw FeatureStoreError.invalidArgument(
            "\(what) '\(name)' is \(name.utf8.count) bytes long; PostgreSQL keeps at most \(maxBytes) bytes of a name, so it cannot be stored in the PostgreSQL offline store. Give it a shorter name (field_mapping renames a source column)"
        )
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
