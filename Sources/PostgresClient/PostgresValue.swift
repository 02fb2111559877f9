import PostgresNIO

/// A value bound to a `$n` parameter of a statement (the same cases as the SQLite wrapper's).
public enum PostgresValue: Hashable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case bytes([UInt8])
    /// A one-dimensional array, bound in binary form (``PostgresArray``).
    case array(PostgresArray)
}

extension PostgresBindings {
    init(_ values: [PostgresValue]) {
        self.init(capacity: values.count)
        for value in values {
            switch value {
            case .null: appendNull()
            case .integer(let number): append(number)
            case .real(let number): append(number)
            case .text(let text): append(text)
            case .bytes(let bytes): append(ByteBuffer(bytes: bytes))
            case .array(let array): append(EncodedArray(array: array))
            }
        }
    }
}
