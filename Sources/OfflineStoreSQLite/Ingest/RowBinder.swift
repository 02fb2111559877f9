import FeatureStoreCore
import SQLite

/// Parses one record's fields by an ``IngestPlan`` and binds them to the INSERT statement.
struct RowBinder {
    let plan: IngestPlan
    let statement: Statement
    let buffer: UnsafeBufferPointer<UInt8>
    private var scratch: [UInt8] = []

    init(plan: IngestPlan, statement: Statement, buffer: UnsafeBufferPointer<UInt8>) {
        self.plan = plan
        self.statement = statement
        self.buffer = buffer
        scratch.reserveCapacity(256)
    }

    /// Binds every column, or returns why the row cannot be stored.
    mutating func bind(_ fields: [FieldRef], line: Int) throws -> IngestRowProblem? {
        let format = plan.timestampFormat
        for (offset, column) in plan.columns.enumerated() {
            let parameter = Int32(offset + 1)
            guard column.fileIndex >= 0 else {
                try statement.bind(Int64(0), at: parameter)
                continue
            }
            var field = fields[column.fileIndex]
            if field.isEmpty, let alternate = column.alternateIndex { field = fields[alternate] }
            if field.isEmpty {
                switch column.role {
                case .value:
                    try statement.bindNullFast(at: parameter)
                    continue
                case .key:
                    return problem(line, column, nil, "is empty; every row needs its entity key")
                case .event, .created:
                    return problem(
                        line, column, nil,
                        "is empty; every row needs its \(column.role == .event ? "event" : "created") timestamp")
                }
            }
            let statement = statement
            let outcome: String? = try field.withText(in: buffer, scratch: &scratch) { text in
                switch column.type {
                case .int64:
                    guard let value = ValueParsing.int64(text) else { return "int64" }
                    try statement.bind(value, at: parameter)
                case .float64:
                    guard let value = ValueParsing.double(text) else { return "float64" }
                    try statement.bind(value, at: parameter)
                case .bool:
                    guard let value = ValueParsing.bool(text) else { return "bool" }
                    try statement.bind(Int64(value ? 1 : 0), at: parameter)
                case .timestamp:
                    guard let value = ValueParsing.timestamp(text, format: format) else { return "timestamp" }
                    try statement.bind(value, at: parameter)
                case .string:
                    try statement.bindText(UnsafeRawBufferPointer(text), at: parameter)
                case .bytes:
                    guard let value = decodeBase64(String(decoding: text, as: UTF8.self)) else { return "bytes" }
                    try value.withUnsafeBytes { try statement.bindBlob($0, at: parameter) }
                }
                return nil
            }
            if outcome != nil {
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

    private func problem(_ line: Int, _ column: IngestPlan.Column, _ value: String?, _ reason: String)
        -> IngestRowProblem
    {
        IngestRowProblem(line: line, column: column.fileName, value: value, reason: reason)
    }
}
