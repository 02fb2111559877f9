import NIOCore

/// Writes commands as RESP2 arrays of bulk strings.
public enum RESPEncoder {
    public static func encode(_ arguments: [[UInt8]], into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "*"))
        writeDecimal(arguments.count, into: &buffer)
        for argument in arguments {
            buffer.writeInteger(UInt8(ascii: "$"))
            writeDecimal(argument.count, into: &buffer)
            buffer.writeBytes(argument)
            buffer.writeBytes([13, 10])
        }
    }

    /// Writes any reply (the decoder's tests use it to make server bytes).
    public static func encode(_ value: RESPValue, into buffer: inout ByteBuffer) {
        switch value {
        case .simpleString(let text):
            buffer.writeInteger(UInt8(ascii: "+"))
            buffer.writeString(text)
            buffer.writeBytes([13, 10])
        case .error(let text):
            buffer.writeInteger(UInt8(ascii: "-"))
            buffer.writeString(text)
            buffer.writeBytes([13, 10])
        case .integer(let number):
            buffer.writeInteger(UInt8(ascii: ":"))
            buffer.writeString(String(number))
            buffer.writeBytes([13, 10])
        case .bulkString(nil):
            buffer.writeString("$-1\r\n")
        case .bulkString(let bytes?):
            buffer.writeInteger(UInt8(ascii: "$"))
            writeDecimal(bytes.count, into: &buffer)
            buffer.writeBytes(bytes)
            buffer.writeBytes([13, 10])
        case .array(nil):
            buffer.writeString("*-1\r\n")
        case .array(let elements?):
            buffer.writeInteger(UInt8(ascii: "*"))
            writeDecimal(elements.count, into: &buffer)
            for element in elements { encode(element, into: &buffer) }
        }
    }

    static func writeDecimal(_ number: Int, into buffer: inout ByteBuffer) {
        buffer.writeString(String(number))
        buffer.writeBytes([13, 10])
    }
}
