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
    mutating func parse(_ fields: [FieldRef], line: Int, into rows: inout ParsedRows) -> IngestRowProblem? {
        let format = plan.timestampFormat
        for column in plan.columns {
            guard column.fileIndex >= 0 else {
                rows.append(0)
                continue
            }
            var field = fields[column.fileIndex]
            if field.isEmpty, let alternate = column.alternateIndex { field = fields[alternate] }
            if field.isEmpty {
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
                    rows.append(bytes: text)
                case .bytes:
                    guard let value = decodeBase64(String(decoding: text, as: UTF8.self)) else { return false }
                    value.withUnsafeBufferPointer { rows.append(bytes: $0) }
                }
                return true
            }
            if !ok {
                rows.dropPartialRow()
                let text = field.string(in: buffer) ?? ""
                let shown = text.count > 80 ? String(text.prefix(80)) + "..." : text
                return IngestRowProblem(
                    line: line, column: column.fileName, value: shown,
                    reason:
                        "is not a valid \(column.type.rawValue); expected \(ValueParsing.expectation(column.type, format: format))"
                )
            }
        }
        return nil
    }
}
