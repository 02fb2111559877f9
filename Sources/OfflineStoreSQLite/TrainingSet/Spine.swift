import FeatureStoreCore

/// A spine held in memory: the file's bytes, every row's fields (ranges into the bytes) and each
/// row's point in time. Rows keep the file's order. Immutable once read, so it may be read from
/// several threads.
final class Spine: @unchecked Sendable {
    let path: String
    let format: TabularFormat
    let columns: [String]
    /// The fields of row `r` are `fields[r * columns.count ..< (r + 1) * columns.count]`.
    let fields: [FieldRef]
    /// Each row's `event_timestamp`, in microseconds.
    let times: [Int64]
    /// Each row's line in the file, for error messages.
    let lines: [Int32]
    private let storage: UnsafeMutableBufferPointer<UInt8>

    var rowCount: Int { times.count }
    var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(storage) }

    /// Reads and checks a spine file.
    ///
    /// - Throws: ``FeatureStoreError`` (`invalidInput`) naming the line of a malformed row, a
    ///   missing `event_timestamp` column or an unparsable timestamp; `io` when unreadable.
    convenience init(path: String, format: TabularFormat) throws {
        try self.init(storage: try readFileStorage(path), path: path, format: format)
    }

    /// Reads and checks a spine held in memory (`name` stands for the file in messages).
    convenience init(bytes: [UInt8], name: String, format: TabularFormat) throws {
        let storage = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bytes.count + 1)
        _ = storage.initialize(from: bytes)
        storage[bytes.count] = 0
        try self.init(
            storage: UnsafeMutableBufferPointer(rebasing: storage[0..<bytes.count]), path: name, format: format)
    }

    /// Takes `storage` (deallocated with the spine, or on failure).
    private init(storage: UnsafeMutableBufferPointer<UInt8>, path: String, format: TabularFormat) throws {
        self.path = path
        self.format = format
        self.storage = storage
        let buffer = UnsafeBufferPointer(storage)
        var columns: [String] = []
        var fields: [FieldRef] = []
        var times: [Int64] = []
        var lines: [Int32] = []
        do {
            switch format {
            case .csv:
                var reader = try CSVReader(bytes: buffer)
                columns = reader.columns
                try Self.read(&reader, path: path, into: &fields, times: &times, lines: &lines)
            case .jsonl:
                var reader = try JSONLReader(bytes: buffer, columns: nil)
                columns = reader.columns
                try Self.read(&reader, path: path, into: &fields, times: &times, lines: &lines)
            }
        } catch let error as RecordSyntaxError {
            storage.deallocate()
            throw FeatureStoreError.invalidInput("\(path):\(error.line): \(error.message)")
        } catch {
            storage.deallocate()
            throw error
        }
        self.columns = columns
        self.fields = fields
        self.times = times
        self.lines = lines
    }

    deinit { storage.deallocate() }

    private static func read<Reader: RecordReader>(
        _ reader: inout Reader, path: String, into fields: inout [FieldRef], times: inout [Int64],
        lines: inout [Int32]
    ) throws {
        guard let timeColumn = reader.columns.firstIndex(of: spineTimestampColumn) else {
            throw FeatureStoreError.invalidInput(
                "\(path):1: the spine has no '\(spineTimestampColumn)' column; add one with each row's point in time (\(ValueParsing.expectation(timestampFormat: .iso8601))). The spine has \(Suggestion.list(reader.columns))."
            )
        }
        let buffer = reader.bytes
        var row: [FieldRef] = []
        var scratch: [UInt8] = []
        while try reader.next(into: &row) {
            let field = row[timeColumn]
            let time =
                field.isEmpty
                ? nil : field.withText(in: buffer, scratch: &scratch) { ValueParsing.timestamp($0, format: .iso8601) }
            guard let time else {
                let shown =
                    field.isEmpty
                    ? "is empty"
                    : field.withText(in: buffer, scratch: &scratch) { text in
                        "\(Quote.value(utf8: text)) is not valid (\(ValueParsing.timestampProblem(text, format: .iso8601)))"
                    }
                throw FeatureStoreError.invalidInput(
                    "\(path):\(reader.line): \(spineTimestampColumn) \(shown); use \(ValueParsing.expectation(timestampFormat: .iso8601))"
                )
            }
            times.append(time)
            lines.append(Int32(truncatingIfNeeded: reader.line))
            fields.append(contentsOf: row)
        }
    }

    /// The index of a column, if the spine has it.
    func column(_ name: String) -> Int? { columns.firstIndex(of: name) }
}
