import FeatureStoreCore

/// What the fuzz targets under `Fuzz/` call to drive the file readers and the row parser of ingest
/// without a database. They are a package of their own (so that the normal build never compiles
/// them) and see only public declarations: this SPI is for them and for nothing else.
@_spi(Fuzzing)
public enum IngestFuzzing {
    /// One field of a record, decoded.
    public struct Field: Equatable, Sendable {
        public enum Kind: Sendable { case null, text, literal }
        /// `null`: JSON `null`, a missing key or an unquoted empty CSV field; `text`: a CSV field
        /// or a JSON string; `literal`: a JSON number, `true` or `false`.
        public var kind: Kind
        /// The text (unescaped), empty for null.
        public var bytes: [UInt8]
    }

    /// One record, or why it is malformed.
    public struct Record: Equatable, Sendable {
        /// The 1-based line the record starts on.
        public var line: Int
        /// The fields, one per column; `nil` when the record is malformed.
        public var fields: [Field]?
        /// Why the record is malformed.
        public var error: String?
        /// The bytes of the record in the file (what a reject file would quote).
        public var range: Range<Int>
    }

    /// A whole file as a reader returns it.
    public struct Read: Equatable, Sendable {
        public var columns: [String]
        public var records: [Record]
        /// Where the records start: after the CSV header (0 for JSON Lines).
        public var bodyStart = 0
    }

    /// Reads a CSV file record by record (`lineLimit` defaults to ingest's). With `splitBody`, the
    /// body is read in its two halves (``CSVReader/bodyHalves``), as ingest reads a large file.
    ///
    /// - Throws: the error of a missing or malformed header, as `line: message`.
    public static func readCSV(
        _ bytes: UnsafeBufferPointer<UInt8>, lineLimit: Int? = nil, splitBody: Bool = false
    ) throws(FeatureStoreError) -> Read {
        let lineLimit = lineLimit ?? RecordLimits.maxLineBytes
        let header: CSVReader
        do { header = try CSVReader(bytes: bytes, lineLimit: lineLimit) } catch { throw describe(error) }
        guard splitBody else {
            var reader = header
            return Read(columns: header.columns, records: records(&reader, bytes), bodyStart: header.bodyStart)
        }
        var all: [Record] = []
        for half in header.bodyHalves {
            var reader = CSVReader(
                bytes: bytes, columns: header.columns, range: half.range, firstLine: half.firstLine,
                lineLimit: lineLimit)
            all += records(&reader, bytes)
        }
        return Read(columns: header.columns, records: all, bodyStart: header.bodyStart)
    }

    /// Reads a JSON Lines file record by record; `columns` `nil` learns them from the first object.
    ///
    /// - Throws: the error of a malformed first object when learning the columns.
    public static func readJSONL(
        _ bytes: UnsafeBufferPointer<UInt8>, columns: [String]?, lineLimit: Int? = nil
    ) throws(FeatureStoreError) -> Read {
        var reader: JSONLReader
        do {
            reader = try JSONLReader(bytes: bytes, columns: columns, lineLimit: lineLimit ?? RecordLimits.maxLineBytes)
        } catch {
            throw describe(error)
        }
        return Read(columns: reader.columns, records: records(&reader, bytes))
    }

    /// The columns ingest asks a JSON Lines reader for, for `table`.
    public static func jsonColumns(for table: HistoryTable) -> [String] { IngestPlan.jsonColumns(for: table) }

    /// What ingest parsed of a file before storing it.
    public struct Parsed: Sendable {
        /// The rows that parsed, one value per history table column (``HistoryTable/columnNames``,
        /// the created time `.timestamp(0)` when the source has none). Text that is not valid
        /// UTF-8 in a string column comes back as `.bytes`, for a check to see.
        public var rows: [[FeatureValue]]
        /// The records that did not, as `line: message`.
        public var problems: [String]
        /// Records read, good and bad.
        public var records: Int
    }

    /// Reads and parses `bytes` as ingest does (the reader, the column plan, the row parser, bad
    /// rows kept going), stopping short of the database.
    ///
    /// - Throws: what ingest throws for a malformed header or a missing column.
    public static func parse(
        _ bytes: UnsafeBufferPointer<UInt8>, format: TabularFormat, table: HistoryTable
    ) throws -> Parsed {
        let plan: IngestPlan
        let chunk: ParsedChunk
        do {
            switch format {
            case .csv:
                let reader = try CSVReader(bytes: bytes)
                plan = try IngestPlan(table: table, fileColumns: reader.columns, file: "fuzz")
                chunk = plan.parseCSV(reader, buffer: bytes, keepGoing: true)
            case .jsonl:
                var reader = try JSONLReader(bytes: bytes, columns: IngestPlan.jsonColumns(for: table))
                plan = try IngestPlan(table: table, fileColumns: reader.columns, file: "fuzz")
                chunk = plan.parseAll(&reader, buffer: bytes, keepGoing: true, capacityHint: 16)
            }
        } catch let error as RecordSyntaxError {
            throw describe(error)
        }
        let types = plan.columns.map(\.type)
        var rows: [[FeatureValue]] = []
        for row in 0..<chunk.rows.count {
            rows.append(
                types.indices.map { column in
                    let index = row * types.count + column
                    guard !chunk.rows.nulls[index] else { return .null }
                    return value(chunk.rows.cells[index], type: types[column], in: chunk.rows)
                })
        }
        return Parsed(
            rows: rows, problems: chunk.problems.map { "\($0.problem.line): \($0.problem.detail)" },
            records: chunk.records)
    }

    private static func value(_ cell: Int64, type: ValueType, in rows: ParsedRows) -> FeatureValue {
        switch type {
        case .int64: .int64(cell)
        case .float64: .float64(Double(bitPattern: UInt64(bitPattern: cell)))
        case .bool: .bool(cell != 0)
        case .timestamp: .timestamp(Timestamp(microseconds: cell))
        case .string:
            rows.withBytes(cell) { text in
                String(validating: text, as: UTF8.self).map { .string($0) } ?? .bytes(Array(text))
            }
        case .bytes: .bytes(rows.withBytes(cell) { Array($0) })
        }
    }

    private static func records<Reader: RecordReader>(
        _ reader: inout Reader, _ bytes: UnsafeBufferPointer<UInt8>
    ) -> [Record] {
        var out: [Record] = []
        var fields: [FieldRef] = []
        var scratch: [UInt8] = []
        while true {
            do {
                guard try reader.next(into: &fields) else { return out }
            } catch {
                out.append(Record(line: error.line, fields: nil, error: error.message, range: reader.recordRange))
                continue
            }
            let decoded = fields.map { field in
                if field.isNull { return Field(kind: .null, bytes: []) }
                let text = field.withText(in: bytes, scratch: &scratch) { Array($0) }
                return Field(kind: field.kind == .jsonLiteral ? .literal : .text, bytes: text)
            }
            out.append(Record(line: reader.line, fields: decoded, error: nil, range: reader.recordRange))
        }
    }

    private static func describe(_ error: RecordSyntaxError) -> FeatureStoreError {
        .invalidInput("\(error.line): \(error.message)")
    }
}
