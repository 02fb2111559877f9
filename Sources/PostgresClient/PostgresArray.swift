import NIOCore
import PostgresNIO

/// A one-dimensional array parameter in PostgreSQL's binary form, built element by element: bulk
/// writes bind one per column (`INSERT ... SELECT * FROM unnest($1::bigint[], $2::text[], ...)`),
/// so a statement carries thousands of rows in a handful of parameters that the server reads
/// without parsing text.
public struct PostgresArray: Hashable, Sendable {
    /// The element type, as PostgreSQL names it in a cast (`$1::bigint[]`).
    public enum Element: String, Sendable {
        case bigint
        case doublePrecision = "double precision"
        case text
        case bytea

        var type: PostgresDataType {
            switch self {
            case .bigint: .int8
            case .doublePrecision: .float8
            case .text: .text
            case .bytea: .bytea
            }
        }

        var arrayType: PostgresDataType {
            switch self {
            case .bigint: .int8Array
            case .doublePrecision: .float8Array
            case .text: .textArray
            case .bytea: .byteaArray
            }
        }
    }

    public let element: Element
    /// The header (dimensions, null flag, element type, length, lower bound), then each element
    /// as its length (-1 for NULL) and bytes. The null flag and the length are kept up to date.
    private(set) var buffer: ByteBuffer
    /// The number of elements.
    public private(set) var count = 0

    private static let nullFlagOffset = 4
    private static let lengthOffset = 12

    public init(_ element: Element, capacity: Int = 0) {
        self.element = element
        buffer = ByteBufferAllocator().buffer(capacity: 20 + capacity * 12)
        buffer.writeInteger(Int32(1))  // one dimension
        buffer.writeInteger(Int32(0))  // no NULL yet
        buffer.writeInteger(element.type.rawValue)
        buffer.writeInteger(Int32(0))  // length
        buffer.writeInteger(Int32(1))  // lower bound
    }

    /// The size of the encoded array so far.
    public var byteCount: Int { buffer.readableBytes }

    public mutating func appendNull() {
        if !buffer.containsNull { buffer.setInteger(Int32(1), at: buffer.readerIndex + Self.nullFlagOffset) }
        buffer.writeInteger(Int32(-1))
        counted()
    }

    /// An element of a `bigint` array.
    public mutating func append(_ value: Int64) {
        buffer.writeInteger(Int32(8))
        buffer.writeInteger(value)
        counted()
    }

    /// An element of a `double precision` array (every bit kept: NaN, infinities, -0).
    public mutating func append(_ value: Double) {
        buffer.writeInteger(Int32(8))
        buffer.writeInteger(value.bitPattern)
        counted()
    }

    /// An element of a `text` array (UTF-8, which the server checks) or a `bytea` array.
    public mutating func append(bytes: UnsafeRawBufferPointer) {
        buffer.writeInteger(Int32(bytes.count))
        buffer.writeBytes(bytes)
        counted()
    }

    private mutating func counted() {
        count += 1
        buffer.setInteger(Int32(truncatingIfNeeded: count), at: buffer.readerIndex + Self.lengthOffset)
    }
}

extension ByteBuffer {
    /// Whether an array buffer's header says it holds a NULL.
    fileprivate var containsNull: Bool {
        getInteger(at: readerIndex + 4, as: Int32.self) == 1
    }
}

/// An encoded array as a bound parameter.
struct EncodedArray: PostgresDynamicTypeEncodable {
    let array: PostgresArray

    var psqlType: PostgresDataType { array.element.arrayType }
    var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(
        into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>
    ) {
        byteBuffer.writeImmutableBuffer(array.buffer)
    }
}
