/// The largest reply the client accepts: anything beyond is a protocol violation, so a broken or
/// hostile server can never make the client allocate without bound.
public struct RESPLimits: Sendable, Hashable {
    /// The longest bulk string, in bytes.
    public var maxBulkBytes: Int
    /// The most elements of one array.
    public var maxArrayCount: Int
    /// The deepest nesting of arrays.
    public var maxDepth: Int
    /// The longest simple string, error or number line, in bytes.
    public var maxLineBytes: Int
    /// The most values (strings, numbers, arrays) in one reply, nested ones included.
    public var maxValuesPerReply: Int

    public init(
        maxBulkBytes: Int = 64 << 20, maxArrayCount: Int = 1 << 20, maxDepth: Int = 8, maxLineBytes: Int = 64 << 10,
        maxValuesPerReply: Int = 4 << 20
    ) {
        self.maxBulkBytes = maxBulkBytes
        self.maxArrayCount = maxArrayCount
        self.maxDepth = maxDepth
        self.maxLineBytes = maxLineBytes
        self.maxValuesPerReply = maxValuesPerReply
    }
}
