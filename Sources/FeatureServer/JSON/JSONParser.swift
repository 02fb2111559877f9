import FeatureStoreCore

/// The server's JSON request bodies as ``JSONValue`` trees (object members in order), read by
/// ``JSONReader`` and as strict as it: a member name repeated in one object and a number beyond
/// the range of a 64-bit float (`1e999`) are refused.
///
/// Errors are `invalidInput` and give the byte offset, the JSON path (`df.conv_rate[3]`) and what
/// was expected there.
public enum JSONParser {
    /// The deepest nesting accepted; deeper documents are rejected rather than risking the stack.
    public static let maximumDepth = JSONReader.maximumDepth

    /// Parses one JSON document (surrounding whitespace allowed), in place when `data` is
    /// contiguous.
    ///
    /// - Throws: `invalidInput` naming the byte offset of the problem.
    public static func parse(_ data: some Collection<UInt8>) throws -> JSONValue {
        if let value = try data.withContiguousStorageIfAvailable({ try parse(buffer: $0) }) { return value }
        return try Array(data).withUnsafeBufferPointer { try parse(buffer: $0) }
    }

    /// Parses the document in `buffer` without copying it.
    static func parse(buffer: UnsafeBufferPointer<UInt8>) throws -> JSONValue {
        try JSONReader.document(buffer) { try $0.readValue() }
    }

    /// Whether `text` is a JSON number (no `inf`, `nan`, hex or surrounding space, unlike
    /// `Double(_:)`), for numbers sent as strings.
    public static func isNumber(_ text: String) -> Bool {
        var utf8 = Substring(text).utf8[...]
        func digits() -> Int {
            let count = utf8.prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }.count
            utf8 = utf8.dropFirst(count)
            return count
        }
        if utf8.first == UInt8(ascii: "-") { utf8 = utf8.dropFirst() }
        guard digits() > 0 else { return false }
        if utf8.first == UInt8(ascii: ".") {
            utf8 = utf8.dropFirst()
            guard digits() > 0 else { return false }
        }
        if utf8.first == UInt8(ascii: "e") || utf8.first == UInt8(ascii: "E") {
            utf8 = utf8.dropFirst()
            if utf8.first == UInt8(ascii: "+") || utf8.first == UInt8(ascii: "-") { utf8 = utf8.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return utf8.isEmpty
    }
}
