import FeatureStoreCore
import PostgresNIO

/// One row of a result, read by column index (as the SQLite wrapper's statements are).
public struct PostgresResultRow: Sendable {
    let cells: [PostgresCell]

    public var count: Int { cells.count }

    public func isNull(_ column: Int) -> Bool { cells[column].bytes == nil }

    public func text(_ column: Int) throws -> String { try decode(String.self, column) }

    public func int64(_ column: Int) throws -> Int64 { try decode(Int64.self, column) }

    public func double(_ column: Int) throws -> Double { try decode(Double.self, column) }

    public func bool(_ column: Int) throws -> Bool { try decode(Bool.self, column) }

    /// The text of a column that may be NULL.
    public func optionalText(_ column: Int) throws -> String? { isNull(column) ? nil : try text(column) }

    private func decode<T: PostgresDecodable>(_ type: T.Type, _ column: Int) throws -> T {
        let cell = cells[column]
        do {
            return try cell.decode(T.self)
        } catch {
            throw FeatureStoreError.storage(
                "column '\(cell.columnName)' (PostgreSQL type \(cell.dataType)) cannot be read as \(T.self); was the table written by another program or a newer fs?"
            )
        }
    }
}
