import Dispatch
import FeatureStoreCore

/// Writes a training set: every spine row in order, its fields as they were, then the features.
struct TrainingSetWriter {
    let format: TabularFormat
    let spine: Spine
    let computed: [ComputedColumns]
    /// Spine columns that are join keys of a numeric type: JSON numbers in JSON Lines output.
    let numericSpineColumns: Set<Int>

    var columnNames: [String] { spine.columns + computed.flatMap(\.names) }

    /// Writes the header and every row. Large outputs are formatted in two halves on two threads.
    func write(to output: inout OutputBuffer) throws {
        if format == .csv {
            for (index, name) in columnNames.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                appendCSV(Array(name.utf8), to: &output)
            }
            output.append(10)
        }
        let count = spine.rowCount
        guard count >= 100_000 else {
            try writeRows(0..<count, to: &output)
            try output.flush(force: true)
            return
        }
        let halves = [0..<(count / 2), (count / 2)..<count]
        let slots = WorkerSlots<Result<[UInt8], any Error>>(count: 2)
        let shared = UncheckedShared(self)
        let path = output.path
        DispatchQueue.concurrentPerform(iterations: 2) { part in
            slots.store(
                Result {
                    var memory = OutputBuffer(descriptor: -1, path: path)
                    try shared.value.writeRows(halves[part], to: &memory)
                    return memory.bytes
                }, at: part)
        }
        for part in 0..<2 {
            let bytes = try slots.take(part).get()
            try output.flush(force: true)
            bytes.withUnsafeBufferPointer { output.append($0) }
        }
        try output.flush(force: true)
    }

    /// Formats spine rows `rows` (flushing `output` as it fills, unless it is memory only).
    private func writeRows(_ rows: Range<Int>, to output: inout OutputBuffer) throws {
        var scratch: [UInt8] = []
        let width = spine.columns.count
        let buffer = spine.buffer
        let jsonKeys: [[UInt8]] = columnNames.enumerated().map { index, name in
            var key: [UInt8] = index == 0 ? [UInt8(ascii: "{")] : [UInt8(ascii: ",")]
            appendJSONString(Array(name.utf8)[...], to: &key)
            key.append(UInt8(ascii: ":"))
            return key
        }
        // One entry per output feature column, indexed in the loop (no struct copies per row).
        let featureValues = computed.flatMap(\.values)
        let featureRows = computed.flatMap { part in part.values.map { _ in part.rowForSpine } }
        try spine.fields.withUnsafeBufferPointer { fields in
            for row in rows {
                var column = 0
                for index in 0..<width {
                    let field = fields[row * width + index]
                    if format == .csv {
                        if index > 0 { output.append(UInt8(ascii: ",")) }
                        writeCSV(field, buffer: buffer, scratch: &scratch, to: &output)
                    } else {
                        jsonKeys[column].withUnsafeBufferPointer { output.append($0) }
                        writeJSON(
                            field, numeric: numericSpineColumns.contains(index), buffer: buffer, scratch: &scratch,
                            to: &output)
                    }
                    column += 1
                }
                for feature in 0..<featureValues.count {
                    let source = Int(featureRows[feature][row])
                    let value = source >= 0 ? featureValues[feature][source] : .null
                    if format == .csv {
                        if column > 0 { output.append(UInt8(ascii: ",")) }
                        writeCSV(value, to: &output)
                    } else {
                        jsonKeys[column].withUnsafeBufferPointer { output.append($0) }
                        writeJSON(value, to: &output)
                    }
                    column += 1
                }
                if format == .jsonl { output.append(UInt8(ascii: "}")) }
                output.append(10)
                try output.flush()
            }
        }
    }

    // MARK: CSV

    private func writeCSV(
        _ field: FieldRef, buffer: UnsafeBufferPointer<UInt8>, scratch: inout [UInt8], to output: inout OutputBuffer
    ) {
        if field.kind == .null { return }
        if field.kind == .plain && spine.format == .csv {
            // An unquoted CSV field holds no comma, quote or line break: copy it as it is.
            output.append(UnsafeBufferPointer(rebasing: buffer[field.start..<(field.start + field.count)]))
            return
        }
        field.withText(in: buffer, scratch: &scratch) { appendCSV($0, to: &output) }
    }

    private func writeCSV(_ value: FeatureValue, to output: inout OutputBuffer) {
        switch value {
        case .null: break
        case .int64(let v): output.append(integer: v)
        case .float64(let v): output.append(double: v)
        case .bool(let v): output.append(v ? "true" : "false")
        case .timestamp(let v): output.append(v.rfc3339)
        case .string(let v): appendCSV(Array(v.utf8), to: &output)
        case .bytes(let v): output.append(encodeBase64(v))
        }
    }

    private func appendCSV(_ text: some Collection<UInt8>, to output: inout OutputBuffer) {
        let needsQuotes = text.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }
        guard needsQuotes else {
            for byte in text { output.append(byte) }
            return
        }
        output.append(UInt8(ascii: "\""))
        for byte in text {
            if byte == UInt8(ascii: "\"") { output.append(byte) }
            output.append(byte)
        }
        output.append(UInt8(ascii: "\""))
    }

    // MARK: JSON Lines

    private func writeJSON(
        _ field: FieldRef, numeric: Bool, buffer: UnsafeBufferPointer<UInt8>, scratch: inout [UInt8],
        to output: inout OutputBuffer
    ) {
        switch field.kind {
        case .null:
            output.append("null")
        case .jsonLiteral:
            output.append(UnsafeBufferPointer(rebasing: buffer[field.start..<(field.start + field.count)]))
        case .plain where spine.format == .csv && field.count == 0:
            output.append("null")
        default:
            field.withText(in: buffer, scratch: &scratch) { text in
                if field.kind == .plain && spine.format == .csv && isJSONNumber(text) || numeric && isJSONNumber(text) {
                    output.append(text)
                } else {
                    var bytes: [UInt8] = []
                    appendJSONString(text[...], to: &bytes)
                    bytes.withUnsafeBufferPointer { output.append($0) }
                }
            }
        }
    }

    private func writeJSON(_ value: FeatureValue, to output: inout OutputBuffer) {
        switch value {
        case .null: output.append("null")
        case .int64(let v): output.append(integer: v)
        case .float64(let v):
            if v.isFinite { output.append(double: v) } else { output.append("null") }
        case .bool(let v): output.append(v ? "true" : "false")
        case .timestamp(let v): output.append("\"" + v.rfc3339 + "\"")
        case .bytes(let v): output.append("\"" + encodeBase64(v) + "\"")
        case .string(let v):
            var bytes: [UInt8] = []
            appendJSONString(Array(v.utf8)[...], to: &bytes)
            bytes.withUnsafeBufferPointer { output.append($0) }
        }
    }
}

/// Appends `text` as a JSON string literal.
func appendJSONString<C: Collection<UInt8>>(_ text: C, to bytes: inout [UInt8]) {
    bytes.append(UInt8(ascii: "\""))
    for byte in text {
        switch byte {
        case UInt8(ascii: "\""): bytes += [92, 34]
        case 92: bytes += [92, 92]
        case 10: bytes += [92, UInt8(ascii: "n")]
        case 13: bytes += [92, UInt8(ascii: "r")]
        case 9: bytes += [92, UInt8(ascii: "t")]
        case 0..<32:
            let hex = Array("0123456789abcdef".utf8)
            bytes += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 15)]]
        default: bytes.append(byte)
        }
    }
    bytes.append(UInt8(ascii: "\""))
}

/// Whether `text` is a JSON number (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`).
func isJSONNumber(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
    var i = 0
    let n = text.count
    func digits() -> Int {
        let start = i
        while i < n, text[i] >= 48, text[i] <= 57 { i += 1 }
        return i - start
    }
    if i < n, text[i] == UInt8(ascii: "-") { i += 1 }
    guard i < n else { return false }
    if text[i] == 48 { i += 1 } else if digits() == 0 { return false }
    if i < n, text[i] == UInt8(ascii: ".") {
        i += 1
        guard digits() > 0 else { return false }
    }
    if i < n, text[i] == UInt8(ascii: "e") || text[i] == UInt8(ascii: "E") {
        i += 1
        if i < n, text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-") { i += 1 }
        guard digits() > 0 else { return false }
    }
    return i == n
}
