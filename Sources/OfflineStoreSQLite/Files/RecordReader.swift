/// A record that could not be read: a malformed CSV line or JSON object.
struct RecordSyntaxError: Error, Sendable {
    /// The 1-based line the record starts on.
    var line: Int
    var message: String
}

/// Reads the records of a tabular file held in memory, one at a time, without copying fields.
protocol RecordReader {
    /// The whole file, which fields point into.
    var bytes: UnsafeBufferPointer<UInt8> { get }
    /// The column names: the CSV header, or the keys of a JSON Lines file.
    var columns: [String] { get }
    /// The 1-based line the last record read starts on.
    var line: Int { get }
    /// The bytes of the last record read (or of the malformed one), for reject files.
    var recordRange: Range<Int> { get }
    /// Reads the next record into `fields`, one per column (`FieldRef.missing` when absent).
    ///
    /// - Returns: `false` at the end of the file.
    /// - Throws: ``RecordSyntaxError`` for a malformed record; the next call goes on with the
    ///   following line.
    mutating func next(into fields: inout [FieldRef]) throws(RecordSyntaxError) -> Bool
}

extension UnsafeBufferPointer<UInt8> {
    /// The index of the next `\n` at or after `from`, or `count`.
    @inline(__always)
    func indexOfNewline(from: Int) -> Int {
        guard from < count, let base = baseAddress else { return count }
        guard let found = memchr(base + from, 10, count - from) else { return count }
        return UnsafeRawPointer(found) - UnsafeRawPointer(base)
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
