/// One RESP2 reply.
public enum RESPValue: Hashable, Sendable {
    case simpleString(String)
    /// An error reply (`-ERR ...`): inside a pipeline it is one reply among others, not a thrown error.
    case error(String)
    case integer(Int64)
    /// A bulk string; `nil` is the null bulk string (`$-1`).
    case bulkString([UInt8]?)
    /// An array; `nil` is the null array (`*-1`).
    case array([RESPValue]?)

    /// The bytes of a bulk or simple string.
    public var bytes: [UInt8]? {
        switch self {
        case .bulkString(let bytes): bytes
        case .simpleString(let text): Array(text.utf8)
        default: nil
        }
    }

    /// The text of a bulk or simple string (bytes read as UTF-8).
    public var string: String? { bytes.map { String(decoding: $0, as: UTF8.self) } }

    public var isNull: Bool {
        switch self {
        case .bulkString(nil), .array(nil): true
        default: false
        }
    }

    /// The message of an error reply.
    public var errorMessage: String? { if case .error(let message) = self { message } else { nil } }
}
