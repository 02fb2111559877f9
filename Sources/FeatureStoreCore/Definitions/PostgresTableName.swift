/// The `table` of a `postgres` source: `name` or `schema.name`, each part spelled exactly as in
/// PostgreSQL (fs quotes both, so they are case-sensitive: a table created as `CREATE TABLE Trips`
/// is `trips`).
public struct PostgresTableName: Hashable, Sendable, CustomStringConvertible {
    /// The schema, or `nil` to look the table up in the search path.
    public var schema: String?
    public var name: String

    /// The longest identifier PostgreSQL keeps (it cuts longer ones, which would name another table).
    public static let maxPartBytes = 63

    /// Splits `text` at its dot; `nil` unless it is one or two non-empty parts of at most
    /// ``maxPartBytes`` bytes each, without NUL.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(parts.count),
            parts.allSatisfy({ !$0.isEmpty && $0.utf8.count <= Self.maxPartBytes && !$0.utf8.contains(0) })
        else { return nil }
        schema = parts.count == 2 ? parts[0] : nil
        name = parts[parts.count - 1]
    }

    public var description: String { schema.map { "\($0).\(name)" } ?? name }
}
