import FeatureStoreCore

/// Parses records' fields by an ``IngestPlan`` into ``ParsedRows``.
struct RowParser {
    let plan: IngestPlan
    let buffer: UnsafeBufferPointer<UInt8>
    private var scratch: [UInt8] = []

    init(plan: IngestPlan, buffer: UnsafeBufferPointer<UInt8>) {
        self.plan = plan
        self.buffer = buffer
        scratch.reserveCapacity(256)
    }

    /// An empty batch laid out for this plan.
    func makeRows(capacity: Int) -> ParsedRows {
        var rows = ParsedRows(width: plan.columns.count, capacity: capacity)
        rows.arenaColumns = plan.columns.map { $0.type == .string || $0.type == .bytes }
        return rows
    }

    /// Appends the row, or returns why it cannot be stored (appending nothing).
    ///
    /// A null field (JSON `null`, a missing key, an unquoted empty CSV field) is null; a quoted empty
    /// field (`""`) is the empty string in `string` and `bytes` columns and null in the others.
    /// Entity keys and the event (and created) time must be present and not empty.
    mutating func parse(_ fields: [FieldRef], line: Int, into rows: inout ParsedRows) -> IngestRowProblem? {
        let format = plan.timestampFormat
        for column in plan.columns {
            guard column.fileIndex >= 0 else {
                rows.append(0)
                continue
            }
            var field = fields[column.fileIndex]
            if field.isNull, let alternate = column.alternateIndex { field = fields[alternate] }
            let isText = column.type == .string || column.type == .bytes
            if field.isNull || (field.count == 0 && (!isText || column.role != .value)) {
                switch column.role {
                case .value:
                    rows.appendNull()
                    continue
                case .key:
                    rows.dropPartialRow()
                    return IngestRowProblem(
                        line: line, column: column.fileName, value: nil,
                        reason: "is empty; every row needs its entity key")
                case .event, .created:
                    rows.dropPartialRow()
                    let which = column.role == .event ? "event" : "created"
                    return IngestRowProblem(
                        line: line, column: column.fileName, value: nil,
                        reason: "is empty; every row needs its \(which) timestamp")
                }
            }
            let ok: Bool = field.withText(in: buffer, scratch: &scratch) { text in
                switch column.type {
                case .int64:
                    guard let value = ValueParsing.int64(text) else { return false }
                    rows.append(value)
                case .float64:
                    guard let value = ValueParsing.double(text) else { return false }
                    rows.append(Int64(bitPattern: value.bitPattern))
                case .bool:
                    guard let value = ValueParsing.bool(text) else { return false }
                    rows.append(value ? 1 : 0)
                case .timestamp:
                    guard let value = ValueParsing.timestamp(text, format: format) else { return false }
                    rows.append(value)
                case .string:
                    guard firstInvalidUTF8(text) == nil else { return false }
                    rows.append(bytes: text)
                case .bytes:
                    guard let value = decodeBase64(utf8: text) else { return false }
                    value.withUnsafeBufferPointer { rows.append(bytes: $0) }
                }
                return true
            }
            if !ok {
                rows.dropPartialRow()
                let (shown, problem) = field.withText(in: buffer, scratch: &scratch) { text in
                    (Quote.value(utf8: text), ValueParsing.problem(text, column.type, format: format))
                }
                return IngestRowProblem(
                    line: line, column: column.fileName, value: shown,
                    reason: "is not a valid \(column.type.rawValue); \(problem)")
            }
            if column.role == .event, let limit = plan.eventTimeLimit,
                let problem = limit.problem(Timestamp(microseconds: rows.cells[rows.cells.count - 1]))
            {
                rows.dropPartialRow()
                let shown = field.withText(in: buffer, scratch: &scratch) { Quote.value(utf8: $0) }
                return IngestRowProblem(line: line, column: column.fileName, value: shown, reason: problem)
            }
        }
        return nil
    }
}
