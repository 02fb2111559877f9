import FeatureStoreCore
import SQLite

/// A SELECT over one source's rows (its history table, or its table or query read in place) that
/// yields, per row, the entity key, the event and created times in microseconds, the event's
/// identity and the values.
///
/// History tables are read in their clustering order (event time, then arrival), so rows of one
/// entity do not come together: callers group them.
struct SourceQuery {
    let history: HistoryLocation
    let joinKeys: [JoinKey]
    let features: [Feature]
    /// The view the rows are for, named in messages.
    let viewName: String
    /// Also yield rows that arrived after this arrival number with an event time before the
    /// range (history tables only): late rows for incremental materialization.
    var arrivedAfter: Int64? = nil

    /// Columns of a row: keys, event time, created time, arrival number, features, dedupe values.
    private var eventIndex: Int32 { Int32(joinKeys.count) }
    private var sequenceIndex: Int32 { Int32(joinKeys.count + 2) }
    private var featureStart: Int32 { Int32(joinKeys.count + 3) }
    private var dedupeStart: Int32 { featureStart + Int32(features.count) }

    /// The SQL, with numbered parameters written `<prefix>1` (see ``parameters(from:to:)``);
    /// `ordered` asks for a history table's clustering order explicitly.
    /// History tables filter on the event time (and the arrival number) in SQL; sources read in
    /// place are filtered by the caller.
    func sql(parameterPrefix p: String = "?", ordered: Bool = false) -> String {
        let keys = keyExpressions
        switch history {
        case .table(let table):
            let selected =
                keys + [HistoryTable.eventColumn, HistoryTable.createdColumn, HistoryTable.sequenceColumn]
                + features.map { column($0.name) } + table.dedupeColumns.map(quoteIdentifier)
            var condition = "\(HistoryTable.eventColumn) BETWEEN \(p)1 AND \(p)2"
            if arrivedAfter != nil {
                condition =
                    "(\(condition)) OR (\(HistoryTable.sequenceColumn) > \(p)3 AND \(HistoryTable.eventColumn) < \(p)1)"
            }
            let order =
                ordered ? " ORDER BY \(HistoryTable.eventColumn), \(HistoryTable.sequenceColumn)" : ""
            return "SELECT \(selected.joined(separator: ", ")) FROM \(fromClause) WHERE \(condition)\(order)"
        case .inPlace(let source):
            let selected =
                keys + [column(source.timestampField), source.createdTimestampField.map(column) ?? "0", "NULL"]
                + features.map { column($0.name) }
            return "SELECT \(selected.joined(separator: ", ")) FROM \(fromClause)"
        }
    }

    /// Up to `limit` distinct entity keys picked at random.
    func sampleKeysSQL(limit: Int) -> String {
        let keys = keyExpressions.joined(separator: ", ")
        return
            "SELECT \(keys) FROM (SELECT DISTINCT \(keys) FROM \(fromClause)) AS keys ORDER BY random() LIMIT \(max(0, limit))"
    }

    /// The stored column of a (mapped) name: itself in a history table, the raw name in place.
    private func column(_ mapped: String) -> String {
        guard case .inPlace(let source) = history else { return quoteIdentifier(mapped) }
        return quoteIdentifier(source.schema.first { source.mappedName($0.name) == mapped }?.name ?? mapped)
    }

    private var keyExpressions: [String] { joinKeys.map { column($0.name) } }

    private var fromClause: String {
        switch history {
        case .table(let table): quoteIdentifier(table.name)
        case .inPlace(let source):
            source.query.map { "(\($0)) AS fs_source" } ?? quoteIdentifier(source.table ?? source.name)
        }
    }

    /// The parameters of ``sql(parameterPrefix:)`` for a time range (history tables filter in
    /// SQL; sources read in place are filtered by the caller).
    func parameters(from: Timestamp, to: Timestamp) -> [Int64] {
        guard case .table = history else { return [] }
        return [from.microseconds, to.microseconds] + (arrivedAfter.map { [$0] } ?? [])
    }

    /// Opens a cursor over the rows of a time range.
    func rows<Reader: HistoryReader>(_ reader: Reader, from: Timestamp, to: Timestamp) throws -> Reader.Cursor {
        try reader.cursor(
            sql(parameterPrefix: reader.parameterPrefix, ordered: !reader.readsInClusteringOrder),
            parameters(from: from, to: to))
    }

    /// The identity of the current row's event (``HistoryTable/eventIdentity(sequence:values:)``);
    /// for sources read in place, the hash of the row's selected values (the caller numbers
    /// identical rows apart).
    func identity(_ statement: some RowCursor, key: [FeatureValue], event: Int64, created: Int64) throws -> Int64 {
        switch history {
        case .table(let table):
            if table.source.dedupeOn.isEmpty { return sequence(statement) }
            let types = table.dedupeColumns.map { name in
                name == HistoryTable.eventColumn
                    ? ValueType.timestamp : table.valueColumns.first { $0.name == name }?.type ?? .string
            }
            return ContentHash.eventIdentity(
                types.enumerated().map { index, type in
                    Self.storedValue(statement, dedupeStart + Int32(index), type)
                })
        case .inPlace:
            var hash = ContentHash()
            for part in key { hash.combine(part) }
            hash.combine(UInt64(bitPattern: event))
            hash.combine(UInt64(bitPattern: created))
            for index in features.indices { hash.combine(try value(statement, feature: index)) }
            return Int64(bitPattern: hash.value.0 & 0x7FFF_FFFF_FFFF_FFFF)
        }
    }

    /// The current row's arrival number (history tables only).
    func sequence(_ statement: some RowCursor) -> Int64 { statement.int64(sequenceIndex) }

    /// A history table cell as `type` (stored values are always of their declared type).
    static func storedValue(_ statement: some RowCursor, _ column: Int32, _ type: ValueType) -> FeatureValue {
        if statement.isNull(column) { return .null }
        switch type {
        case .int64: return .int64(statement.int64(column))
        case .float64: return .float64(statement.double(column))
        case .string: return .string(statement.text(column))
        case .bool: return .bool(statement.int64(column) != 0)
        case .bytes: return .bytes(statement.blob(column))
        case .timestamp: return .timestamp(Timestamp(microseconds: statement.int64(column)))
        }
    }

    private var timestampFormat: TimestampFormat? {
        if case .inPlace(let source) = history { return source.timestampFormat }
        return nil
    }

    /// The view and source named in messages about a row's values.
    var origin: SourceOrigin { SourceOrigin(view: viewName, history: history) }

    /// The entity key of the current row; `nil` when a part is null.
    ///
    /// - Throws: ``FeatureStoreError`` (`invalidInput`) naming the view, source and column of an
    ///   int64 key part that is not a whole number in range (text is not entity 0).
    func key(_ statement: some RowCursor) throws -> [FeatureValue]? {
        var key: [FeatureValue] = []
        key.reserveCapacity(joinKeys.count)
        for (index, joinKey) in joinKeys.enumerated() {
            let column = Int32(index)
            if statement.isNull(column) {
                if let error = origin.missing(statement, column, "entity key") { throw error }
                return nil
            }
            key.append(
                joinKey.valueType == .string
                    ? .string(try SourceValues.text(statement, column, origin: origin))
                    : .int64(try SourceValues.int64(statement, column, origin: origin)))
        }
        return key
    }

    /// The event and created times of the current row; `nil` event when it is null (an error when
    /// the source requires times: ``SourceOrigin/missing(_:_:_:)``).
    func times(_ statement: some RowCursor) throws -> (event: Int64, created: Int64)? {
        let first = eventIndex
        guard let format = timestampFormat else { return (statement.int64(first), statement.int64(first + 1)) }
        guard let event = try Self.readTime(statement, first, format, origin: origin) else {
            if let error = origin.missing(statement, first, "event timestamp") { throw error }
            return nil
        }
        // Without a created column, the SQL selects 0: it is not a time to parse.
        guard case .inPlace(let source) = history, source.createdTimestampField != nil else { return (event, 0) }
        guard let created = try Self.readTime(statement, first + 1, format, origin: origin) else {
            if let error = origin.missing(statement, first + 1, "created timestamp") { throw error }
            return (event, 0)
        }
        return (event, created)
    }

    /// The value of requested feature `index` in the current row.
    func value(_ statement: some RowCursor, feature index: Int) throws -> FeatureValue {
        try Self.readValue(
            statement, featureStart + Int32(index), features[index].type, timestampFormat, origin: origin)
    }

    /// The requested feature values of the current row.
    func values(_ statement: some RowCursor) throws -> [FeatureValue] {
        let first = featureStart
        return try features.enumerated().map { index, feature in
            try Self.readValue(statement, first + Int32(index), feature.type, timestampFormat, origin: origin)
        }
    }

    /// A timestamp column of a source read in place, in microseconds (see ``SourceValues/time``).
    ///
    /// - Throws: ``FeatureStoreError`` (`invalidInput`) naming the view, source, column and value.
    static func readTime(_ statement: some RowCursor, _ column: Int32, _ format: TimestampFormat, origin: SourceOrigin)
        throws -> Int64?
    {
        try SourceValues.time(statement, column, format, origin: origin)
    }

    /// A value column as `type` (text timestamps parsed in `format`; see ``SourceValues/value``).
    ///
    /// - Throws: ``FeatureStoreError`` (`invalidInput`) naming the view, source, column and value.
    static func readValue(
        _ statement: some RowCursor, _ column: Int32, _ type: ValueType, _ format: TimestampFormat?,
        origin: SourceOrigin
    ) throws -> FeatureValue {
        try SourceValues.value(statement, column, type, format, origin: origin)
    }
}
