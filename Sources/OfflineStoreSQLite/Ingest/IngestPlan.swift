import FeatureStoreCore

/// How the columns of an input file map onto a history table: for every stored column, the file
/// column that fills it and how to parse it.
package struct IngestPlan {
    /// `key`: a column every row needs a value in (a join key of a view, a `dedupe_on` column).
    enum Role { case key, event, created, value }

    struct Column {
        /// The stored (mapped) name, as errors name it when it differs from the file's.
        var name: String
        /// The name in the file.
        var fileName: String
        var fileIndex: Int
        /// A second file column to read when the first is null (JSON Lines with mapped names).
        var alternateIndex: Int?
        var type: ValueType
        var role: Role
    }

    /// One entry per history table column, in the table's column order.
    var columns: [Column]
    var timestampFormat: TimestampFormat
    /// Event times later than this limit's are refused.
    var eventTimeLimit: EventTimeLimit?

    /// The names to ask a JSON Lines reader for: each raw name, and the mapped name when it differs.
    static func jsonColumns(for table: HistoryTable) -> [String] {
        var names: [String] = []
        for field in rawFields(of: table.source) {
            for name in [field.raw, field.mapped] where !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// The raw fields of a source with their mapped names, including timestamp fields the schema
    /// does not declare.
    static func rawFields(of source: Source) -> [(raw: String, mapped: String, type: ValueType)] {
        var fields = source.schema.map { (raw: $0.name, mapped: source.mappedName($0.name), type: $0.type) }
        for name in [source.timestampField, source.createdTimestampField].compactMap({ $0 })
        where !fields.contains(where: { $0.mapped == name }) {
            fields.append((raw: name, mapped: name, type: .timestamp))
        }
        return fields
    }

    /// Matches the file's columns to `table`.
    ///
    /// - Throws: ``FeatureStoreError/invalidInput(_:)`` naming a column the file lacks.
    init(table: HistoryTable, fileColumns: [String], file: String, eventTimeLimit: EventTimeLimit? = nil) throws {
        self.eventTimeLimit = eventTimeLimit
        let source = table.source
        var byName: [String: Int] = [:]
        for (index, name) in fileColumns.enumerated() where byName[name] == nil { byName[name] = index }
        var planned: [String: Column] = [:]
        for field in Self.rawFields(of: source) {
            let rawIndex = byName[field.raw]
            let mappedIndex = field.mapped == field.raw ? nil : byName[field.mapped]
            guard let index = rawIndex ?? mappedIndex else {
                let alias = field.mapped == field.raw ? "" : " (mapped to '\(field.mapped)')"
                throw FeatureStoreError.invalidInput(
                    "\(file):1: missing column '\(field.raw)'\(alias) of source '\(source.name)'; the file has \(Suggestion.list(fileColumns)).\(Suggestion.didYouMean(field.raw, in: fileColumns)) Add the column, or fix the source's schema and run fs apply."
                )
            }
            let role: Role =
                field.mapped == source.timestampField
                ? .event
                : field.mapped == source.createdTimestampField
                    ? .created : table.requiredColumns.contains(field.mapped) ? .key : .value
            planned[field.mapped] = Column(
                name: field.mapped, fileName: fileColumns[index], fileIndex: index,
                alternateIndex: rawIndex != nil ? mappedIndex : nil, type: field.type, role: role)
        }
        var columns: [Column] = []
        for name in table.columnNames {
            switch name {
            case HistoryTable.eventColumn:
                columns.append(planned[source.timestampField]!)
            case HistoryTable.createdColumn:
                if let created = source.createdTimestampField, let column = planned[created] {
                    columns.append(column)
                } else {
                    // No created timestamp: every row stores 0.
                    columns.append(Column(name: name, fileName: "", fileIndex: -1, type: .timestamp, role: .created))
                }
            default:
                guard let column = planned[name] else {
                    throw FeatureStoreError.invalidInput(
                        "source '\(source.name)' has no column '\(name)' that its history table needs; run fs apply")
                }
                columns.append(column)
            }
        }
        self.columns = columns
        self.timestampFormat = source.timestampFormat
    }
}
