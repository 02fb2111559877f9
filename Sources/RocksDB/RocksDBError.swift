import CRocksDB

/// An error RocksDB reported through a C `errptr`.
public struct RocksDBError: Error, CustomStringConvertible, Sendable {
    public var message: String

    public init(message: String) { self.message = message }

    /// Whether another process holds the database's LOCK file.
    public var isLockHeld: Bool {
        message.contains("lock") && (message.contains("LOCK") || message.contains("Resource temporarily unavailable"))
    }

    public var description: String { "RocksDB: \(message)" }

    /// Calls `body` with a fresh `errptr`; throws (and frees the string) when RocksDB set it.
    static func check<T>(_ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> T) throws -> T {
        var error: UnsafeMutablePointer<CChar>?
        let result = body(&error)
        if let error {
            let message = String(cString: error)
            rocksdb_free(error)
            throw RocksDBError(message: message)
        }
        return result
    }
}
