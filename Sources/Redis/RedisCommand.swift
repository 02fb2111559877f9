/// One command: its arguments, and which of them is the key a cluster routes it by.
public struct RedisCommand: Sendable, Hashable {
    public var arguments: [[UInt8]]
    /// The index in ``arguments`` of the key that picks the cluster slot; `nil` for keyless commands.
    public var keyIndex: Int?

    public init(_ arguments: [[UInt8]], keyIndex: Int?) {
        self.arguments = arguments
        self.keyIndex = keyIndex
    }

    /// A command from text arguments, the key (if any) being the second (`GET key`, `HSET key ...`).
    public init(_ name: String, _ arguments: [String], keyed: Bool = true) {
        self.arguments = [Array(name.utf8)] + arguments.map { Array($0.utf8) }
        self.keyIndex = keyed && !arguments.isEmpty ? 1 : nil
    }

    /// The routing key, when the command has one.
    public var key: [UInt8]? {
        guard let keyIndex, arguments.indices.contains(keyIndex) else { return nil }
        return arguments[keyIndex]
    }

    /// The command name, for error messages.
    public var name: String { arguments.first.map { String(decoding: $0, as: UTF8.self) } ?? "" }
}
