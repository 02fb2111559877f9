@_spi(Fuzzing) import FeatureStoreKit
@_spi(Fuzzing) import FuzzSupport

/// Ingest's CSV reader and row parser on any bytes, read into ``IngestSource``.
///
/// Properties: records have the header's width and lie inside the file, in line order; writing the
/// good records back with every field quoted reads back the same; a body without quotes reads the
/// same in two halves (as a large file is read on two threads); a short line limit is kept; and what
/// ingest parses is storable (``ParsedRowChecks``).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    withInput(start, count) { input in
        let read: IngestFuzzing.Read
        switch Result(catching: { () throws(FeatureStoreError) in try IngestFuzzing.readCSV(input) }) {
        case .success(let value): read = value
        case .failure(let error):
            require(error.code == .invalidInput, "a bad header is \(error.code), not invalidInput")
            return
        }
        checkRecords(read, input: input)
        checkRoundTrip(read, input: input)
        checkChunks(read, input: input)
        checkLineLimit(input)
        do {
            let parsed = try IngestFuzzing.parse(input, format: .csv, table: IngestSource.table)
            ParsedRowChecks.check(parsed, records: read.records.count, input: input)
        } catch let error as FeatureStoreError {
            require(error.code == .invalidInput, "ingest fails with \(error.code), not invalidInput: \(error)")
        } catch {
            require(false, "ingest fails with \(error), not a FeatureStoreError")
        }
    }
    return 0
}

private func checkRecords(_ read: IngestFuzzing.Read, input: UnsafeBufferPointer<UInt8>) {
    var lastLine = 1
    for record in read.records {
        require(record.line > lastLine, "record lines go \(lastLine) then \(record.line) in \(describe(input))")
        lastLine = record.line
        require(
            record.range.lowerBound >= 0 && record.range.upperBound <= input.count,
            "record range \(record.range) is outside a file of \(input.count) bytes")
        if let fields = record.fields {
            require(
                fields.count == read.columns.count,
                "a record has \(fields.count) fields, the header \(read.columns.count)")
        } else {
            require(record.error?.isEmpty == false, "a malformed record on line \(record.line) has no message")
        }
    }
}

/// The header and the good records, every field quoted (nulls left empty), read back the same.
private func checkRoundTrip(_ read: IngestFuzzing.Read, input: UnsafeBufferPointer<UInt8>) {
    func quoted(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for byte in bytes {
            out.append(byte)
            if byte == UInt8(ascii: "\"") { out.append(byte) }
        }
        out.append(UInt8(ascii: "\""))
        return out
    }
    var file: [UInt8] = []
    file += read.columns.map { quoted($0.utf8) }.joined(separator: [UInt8(ascii: ",")])
    file.append(10)
    // A record of one null field is a blank line, which readers skip.
    let good = read.records.compactMap(\.fields).filter { !($0.count == 1 && $0[0].kind == .null) }
    for fields in good {
        file += fields.map { $0.kind == .null ? [] : quoted($0.bytes) }.joined(separator: [UInt8(ascii: ",")])
        file += [13, 10]
    }
    let again = file.withUnsafeBufferPointer { try? IngestFuzzing.readCSV($0) }
    require(again != nil, "the header of \(describe(input)) written back as \(describe(file)) does not read")
    guard let again else { return }
    // Header names are decoded as UTF-8 text, so compare them as bytes of that text.
    require(again.columns == read.columns, "columns \(read.columns) read back as \(again.columns)")
    let back = again.records.map(\.fields)
    require(
        back == good.map { Optional($0) },
        "records of \(describe(input)) written back as \(describe(file)) read back otherwise")
}

/// Without quotes in the body, reading it in two halves changes nothing, line numbers included.
private func checkChunks(_ read: IngestFuzzing.Read, input: UnsafeBufferPointer<UInt8>) {
    guard !input[read.bodyStart...].contains(UInt8(ascii: "\"")) else { return }
    guard let split = try? IngestFuzzing.readCSV(input, splitBody: true) else {
        require(false, "\(describe(input)) reads whole but not in two halves")
        return
    }
    require(split == read, "\(describe(input)) reads otherwise in two halves")
}

/// With a short line limit, no good record is longer than the limit.
private func checkLineLimit(_ input: UnsafeBufferPointer<UInt8>) {
    let limit = 24
    guard let read = try? IngestFuzzing.readCSV(input, lineLimit: limit) else { return }
    for record in read.records where record.fields != nil {
        require(
            record.range.count <= limit,
            "a record of \(record.range.count) bytes passes a \(limit)-byte limit in \(describe(input))")
    }
}
