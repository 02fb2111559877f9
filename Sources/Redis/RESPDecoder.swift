import NIOCore

/// Reads RESP2 replies incrementally: bytes may arrive split anywhere; a reply is taken only once
/// all of it is there. Malformed input or a reply over ``RESPLimits`` throws
/// ``RESPDecodingError``; nothing traps and no size read from the wire is allocated before its
/// bytes have arrived.
public struct RESPDecoder: Sendable {
    public let limits: RESPLimits

    public init(limits: RESPLimits = RESPLimits()) { self.limits = limits }

    /// Takes one whole reply from the front of `buffer`, or returns `nil` (leaving it untouched)
    /// when more bytes are needed.
    public func decode(_ buffer: inout ByteBuffer) throws(RESPDecodingError) -> RESPValue? {
        let parsed: (RESPValue, Int)?
        do {
            parsed = try buffer.withUnsafeReadableBytes { bytes in
                var parser = Parser(bytes: bytes, limits: limits)
                guard let value = try parser.value(depth: 0) else { return nil }
                return (value, parser.offset)
            }
        } catch let error as RESPDecodingError {
            throw error
        } catch {
            throw RESPDecodingError("unexpected decoding failure: \(error)")
        }
        guard let (value, consumed) = parsed else { return nil }
        buffer.moveReaderIndex(forwardBy: consumed)
        return value
    }

    private struct Parser {
        let bytes: UnsafeRawBufferPointer
        let limits: RESPLimits
        var offset = 0
        var values = 0

        init(bytes: UnsafeRawBufferPointer, limits: RESPLimits) {
            self.bytes = bytes
            self.limits = limits
        }

        /// One value, or `nil` when the bytes end before it does.
        mutating func value(depth: Int) throws(RESPDecodingError) -> RESPValue? {
            guard offset < bytes.count else { return nil }
            values += 1
            guard values <= limits.maxValuesPerReply else {
                throw RESPDecodingError("a reply holds more than \(limits.maxValuesPerReply) values")
            }
            let type = bytes[offset]
            let start = offset
            offset += 1
            guard let line = try line() else { return nil }
            switch type {
            case UInt8(ascii: "+"):
                return .simpleString(String(decoding: line, as: UTF8.self))
            case UInt8(ascii: "-"):
                return .error(String(decoding: line, as: UTF8.self))
            case UInt8(ascii: ":"):
                return .integer(try integer(line, what: "integer reply"))
            case UInt8(ascii: "$"):
                let length = try integer(line, what: "bulk string length")
                if length == -1 { return .bulkString(nil) }
                guard length >= 0 else { throw RESPDecodingError("negative bulk string length \(length)") }
                guard length <= limits.maxBulkBytes else {
                    throw RESPDecodingError(
                        "a bulk string of \(length) bytes is over the limit of \(limits.maxBulkBytes) bytes")
                }
                let count = Int(length)
                guard bytes.count - offset >= count + 2 else { return nil }
                let body = Array(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)]))
                offset += count
                guard bytes[offset] == 13, bytes[offset + 1] == 10 else {
                    throw RESPDecodingError("a bulk string of \(count) bytes is not followed by CRLF")
                }
                offset += 2
                return .bulkString(body)
            case UInt8(ascii: "*"):
                let length = try integer(line, what: "array length")
                if length == -1 { return .array(nil) }
                guard length >= 0 else { throw RESPDecodingError("negative array length \(length)") }
                guard length <= limits.maxArrayCount else {
                    throw RESPDecodingError(
                        "an array of \(length) elements is over the limit of \(limits.maxArrayCount)")
                }
                guard depth < limits.maxDepth else {
                    throw RESPDecodingError("arrays nested deeper than \(limits.maxDepth)")
                }
                var elements: [RESPValue] = []
                // Never reserve more than the bytes already here could hold (3 bytes per element at least).
                elements.reserveCapacity(min(Int(length), (bytes.count - offset) / 3))
                for _ in 0..<length {
                    guard let element = try value(depth: depth + 1) else { return nil }
                    elements.append(element)
                }
                return .array(elements)
            default:
                offset = start
                throw RESPDecodingError("unknown reply type byte 0x\(String(type, radix: 16)) at the start of a reply")
            }
        }

        /// The bytes up to the next CRLF (which is consumed), or `nil` when it has not arrived.
        mutating func line() throws(RESPDecodingError) -> UnsafeRawBufferPointer.SubSequence? {
            var index = offset
            let end = min(bytes.count, offset + limits.maxLineBytes + 1)
            while index < end {
                if bytes[index] == 13 {
                    guard index + 1 < bytes.count else { return nil }
                    guard bytes[index + 1] == 10 else { throw RESPDecodingError("a CR not followed by LF") }
                    let line = bytes[offset..<index]
                    offset = index + 2
                    return line
                }
                if bytes[index] == 10 { throw RESPDecodingError("a LF not preceded by CR") }
                index += 1
            }
            if end - offset > limits.maxLineBytes {
                throw RESPDecodingError("a line longer than \(limits.maxLineBytes) bytes")
            }
            return nil
        }

        func integer(_ line: UnsafeRawBufferPointer.SubSequence, what: String) throws(RESPDecodingError) -> Int64 {
            var digits = line[...]
            var negative = false
            if digits.first == UInt8(ascii: "-") {
                negative = true
                digits = digits.dropFirst()
            }
            guard !digits.isEmpty, digits.count <= 19 else {
                throw RESPDecodingError("\(what) '\(String(decoding: line, as: UTF8.self))' is not a 64-bit integer")
            }
            var magnitude: UInt64 = 0
            for byte in digits {
                guard byte >= 48, byte <= 57 else {
                    throw RESPDecodingError("\(what) '\(String(decoding: line, as: UTF8.self))' is not an integer")
                }
                let (times, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(UInt64(byte - 48))
                guard !overflow1, !overflow2 else {
                    throw RESPDecodingError("\(what) '\(String(decoding: line, as: UTF8.self))' overflows 64 bits")
                }
                magnitude = sum
            }
            if negative {
                guard magnitude <= UInt64(Int64.max) + 1 else {
                    throw RESPDecodingError("\(what) '\(String(decoding: line, as: UTF8.self))' overflows 64 bits")
                }
                return magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(magnitude)
            }
            guard magnitude <= UInt64(Int64.max) else {
                throw RESPDecodingError("\(what) '\(String(decoding: line, as: UTF8.self))' overflows 64 bits")
            }
            return Int64(magnitude)
        }
    }
}

/// Bytes from the server that are not a RESP2 reply the client accepts.
public struct RESPDecodingError: Error, Sendable, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The decoder in a channel pipeline.
struct RESPMessageDecoder: ByteToMessageDecoder {
    typealias InboundOut = RESPValue
    let decoder: RESPDecoder

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let value = try decoder.decode(&buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(value))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        try decode(context: context, buffer: &buffer)
    }
}
