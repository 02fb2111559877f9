import Synchronization

/// Who is asking and under which id, for the duration of one request: route handlers, logs and
/// (later) feature logging read it as ``current``.
public struct RequestScope: Sendable {
    /// The caller's `X-Request-ID` when it sent a usable one, else one the server made.
    public var requestID: String
    /// The name of the token the caller presented (never the token), `nil` without one.
    public var caller: String?

    @TaskLocal public static var current: RequestScope?

    /// The most characters of a caller's request id kept; longer or odd ones are replaced.
    static let maximumIDLength = 128

    /// The caller's id when it is 1...128 visible ASCII characters, else a new one.
    static func id(fromHeader value: String?) -> String {
        if let value, !value.isEmpty, value.utf8.count <= maximumIDLength,
            value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") })
        {
            return value
        }
        return newID()
    }

    private static let prefix = String(UInt64.random(in: 0...UInt64.max) & 0xFFFF_FFFF, radix: 16)
    private static let counter = Atomic<UInt64>(0)

    /// A new id: this process's random prefix and a counter (unique per process, cheap).
    static func newID() -> String {
        let next = counter.add(1, ordering: .relaxed).newValue
        let suffix = String(next, radix: 16)
        return prefix + "-" + String(repeating: "0", count: max(0, 8 - suffix.count)) + suffix
    }
}
