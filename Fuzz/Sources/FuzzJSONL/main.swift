@_spi(Fuzzing) import FeatureStoreKit
@_spi(Fuzzing) import FuzzSupport

/// Ingest's JSON Lines reader and row parser on any bytes, read into ``IngestSource``.
///
/// Properties: records have one field per column and lie inside the file, in line order; every
/// number or boolean read is valid JSON; writing the good records back as JSON reads back the same;
/// the columns learned from the first object are distinct; and what ingest parses is storable
/// (``ParsedRowChecks``).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONL(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    withInput(start, count) { input in
        switch Result(catching: { () throws(FeatureStoreError) in try IngestFuzzing.readJSONL(input, columns: nil) }) {
        case .success(let learned):
            checkRecords(learned, input: input)
            if firstInvalidUTF8(input) == nil {
                require(
                    Set(learned.columns).count == learned.columns.count,
                    "columns learned from \(describe(input)) repeat: \(learned.columns)")
                checkRoundTrip(learned, input: input)
            }
        case .failure(let error):
            require(error.code == .invalidInput, "a bad first object is \(error.code), not invalidInput")
        }
        let columns = IngestFuzzing.jsonColumns(for: IngestSource.table)
        guard let given = try? IngestFuzzing.readJSONL(input, columns: columns) else {
            require(false, "reading \(describe(input)) with given columns fails before the first record")
            return
        }
        checkRecords(given, input: input)
        checkRoundTrip(given, input: input)
        do {
            let parsed = try IngestFuzzing.parse(input, format: .jsonl, table: IngestSource.table)
            ParsedRowChecks.check(parsed, records: given.records.count, input: input)
        } catch let error as FeatureStoreError {
            require(error.code == .invalidInput, "ingest fails with \(error.code), not invalidInput: \(error)")
        } catch {
            require(false, "ingest fails with \(error), not a FeatureStoreError")
        }
    }
    return 0
}

private func checkRecords(_ read: IngestFuzzing.Read, input: UnsafeBufferPointer<UInt8>) {
    var lastLine = 0
    for record in read.records {
        require(record.line > lastLine, "record lines go \(lastLine) then \(record.line) in \(describe(input))")
        lastLine = record.line
        require(
            record.range.lowerBound >= 0 && record.range.upperBound <= input.count,
            "record range \(record.range) is outside a file of \(input.count) bytes")
        guard let fields = record.fields else {
            require(record.error?.isEmpty == false, "a malformed record on line \(record.line) has no message")
            continue
        }
        require(
            fields.count == read.columns.count, "a record has \(fields.count) fields for \(read.columns.count) columns")
        for field in fields where field.kind == .literal {
            require(
                isJSONLiteral(field.bytes),
                "line \(record.line) of \(describe(input)) is read with \(describe(field.bytes)), which is not a JSON value"
            )
        }
    }
}

/// `true`, `false` or a JSON number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
private func isJSONLiteral(_ s: [UInt8]) -> Bool {
    if s.elementsEqual("true".utf8) || s.elementsEqual("false".utf8) { return true }
    var i = 0
    func digits() -> Int {
        let start = i
        while i < s.count, (48...57).contains(s[i]) { i += 1 }
        return i - start
    }
    if i < s.count, s[i] == UInt8(ascii: "-") { i += 1 }
    guard i < s.count else { return false }
    if s[i] == UInt8(ascii: "0") {
        i += 1
    } else if digits() == 0 {
        return false
    }
    if i < s.count, s[i] == UInt8(ascii: ".") {
        i += 1
        guard digits() > 0 else { return false }
    }
    if i < s.count, s[i] == UInt8(ascii: "e") || s[i] == UInt8(ascii: "E") {
        i += 1
        if i < s.count, s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") { i += 1 }
        guard digits() > 0 else { return false }
    }
    return i == s.count
}

/// The good records written back as JSON objects of the columns read back the same.
private func checkRoundTrip(_ read: IngestFuzzing.Read, input: UnsafeBufferPointer<UInt8>) {
    guard Set(read.columns).count == read.columns.count else { return }
    var file: [UInt8] = []
    let good = read.records.compactMap(\.fields)
    for fields in good {
        file.append(UInt8(ascii: "{"))
        for (index, (column, field)) in zip(read.columns, fields).enumerated() {
            if index > 0 { file.append(UInt8(ascii: ",")) }
            appendString(Array(column.utf8), to: &file)
            file.append(UInt8(ascii: ":"))
            switch field.kind {
            case .null: file += Array("null".utf8)
            case .literal: file += field.bytes
            case .text: appendString(field.bytes, to: &file)
            }
        }
        file += Array("}\n".utf8)
    }
    let again = file.withUnsafeBufferPointer { try? IngestFuzzing.readJSONL($0, columns: read.columns) }
    let back = again?.records.map(\.fields)
    require(
        back == good.map { Optional($0) },
        "records of \(describe(input)) written back as \(describe(file)) read back otherwise")
}

private func appendString(_ bytes: [UInt8], to out: inout [UInt8]) {
    let hex = Array("0123456789abcdef".utf8)
    out.append(UInt8(ascii: "\""))
    for byte in bytes {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), byte]
        case 0..<0x20: out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 15)]]
        default: out.append(byte)
        }
    }
    out.append(UInt8(ascii: "\""))
}
