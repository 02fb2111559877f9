import FeatureServer
import GRPCCore
import GRPCProtobuf
import SwiftProtobuf

/// Protobuf decoding behind the `--max-body` check: a request message of more bytes is refused
/// with `RESOURCE_EXHAUSTED` and HTTP's 413 message, before it is decoded.
///
/// The transport itself takes messages up to twice the limit (``GRPCFeatureServer``), so a
/// client over the limit gets this status; beyond that, grpc-swift resets the stream unread.
struct LimitedDeserializer<Message: SwiftProtobuf.Message>: MessageDeserializer {
    let limit: Int

    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> Message {
        let size = serializedMessageBytes.withUnsafeBytes { $0.count }
        guard size <= limit else {
            throw RPCError(code: .resourceExhausted, message: APIError.tooLarge(size, limit: limit).message)
        }
        return try ProtobufDeserializer<Message>().deserialize(serializedMessageBytes)
    }
}
