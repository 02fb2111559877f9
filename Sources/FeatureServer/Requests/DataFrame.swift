import FeatureStoreKit

/// A column-oriented table as Feast's HTTP API sends it: `{"column": [v1, v2, ...], ...}`.
struct DataFrame {
    var columns: [(name: String, values: [JSONValue])]

    /// The number of rows.
    var count: Int { columns.first?.values.count ?? 0 }

    /// Reads the member `field` of `body`.
    ///
    /// - Throws: `invalidArgument` when it is missing, not an object of arrays, empty, has columns
    ///   of unequal length, or more rows than `maxRows`.
    init(_ body: JSONValue, field: String, maxRows: Int) throws {
        guard let value = body[field] else {
            throw FeatureStoreError.invalidArgument(
                "missing \"\(field)\": give the rows as {\"column\": [values...], ...}")
        }
        guard case .object(let members) = value else {
            throw FeatureStoreError.invalidArgument(
                "\"\(field)\" is \(value.kindDescription); give the rows as {\"column\": [values...], ...}")
        }
        guard !members.isEmpty else { throw FeatureStoreError.invalidArgument("\"\(field)\" has no columns") }
        var columns: [(name: String, values: [JSONValue])] = []
        for (name, column) in members {
            guard case .array(let values) = column else {
                throw FeatureStoreError.invalidArgument(
                    "column '\(name)' of \"\(field)\" is \(column.kindDescription); give each column as an array with one value per row"
                )
            }
            if columns.contains(where: { $0.name == name }) {
                throw FeatureStoreError.invalidArgument("column '\(name)' appears twice in \"\(field)\"; list it once")
            }
            if let first = columns.first, first.values.count != values.count {
                throw FeatureStoreError.invalidArgument(
                    "column '\(name)' has \(values.count) values but '\(first.name)' has \(first.values.count); give every column one value per row"
                )
            }
            columns.append((name, values))
        }
        let rows = columns[0].values.count
        if rows > maxRows {
            throw FeatureStoreError.invalidArgument(
                "\"\(field)\" has \(rows) rows, more than the server's limit of \(maxRows) (--max-entities); split the request"
            )
        }
        self.columns = columns
    }

    /// The column named `name`, if present.
    func column(_ name: String) -> [JSONValue]? { columns.first { $0.name == name }?.values }
}
