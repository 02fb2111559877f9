/// Stops the fuzz run when a property does not hold: libFuzzer reports the trap as a crash and
/// writes the input to a `crash-*` file.
///
/// - Parameters:
///   - condition: the property.
///   - message: what went wrong, with the values involved.
public func require(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID,
    line: UInt = #line
) {
    if !condition() { fatalError("property violated: \(message())", file: file, line: line) }
}

/// The fuzzer's input as a buffer (an empty input has no base address).
public func withInput<T>(
    _ start: UnsafeRawPointer, _ count: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T
) rethrows -> T {
    try body(UnsafeBufferPointer(start: start.assumingMemoryBound(to: UInt8.self), count: count))
}

/// Bytes as text for messages: printable ASCII as is, anything else escaped.
public func describe(_ bytes: some Collection<UInt8>) -> String {
    var out = "\""
    for byte in bytes.prefix(300) {
        switch byte {
        case 0x20..<0x7F where byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\"):
            out.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            out += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }
    }
    return out + (bytes.count > 300 ? "\"…" : "\"")
}
