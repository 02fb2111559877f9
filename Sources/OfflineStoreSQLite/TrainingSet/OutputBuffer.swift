import FeatureStoreCore
import Foundation

/// Bytes on their way to a file descriptor, flushed in large writes (or, with descriptor -1,
/// kept in memory).
struct OutputBuffer {
    private(set) var bytes: [UInt8] = []
    let descriptor: Int32
    let path: String
    private let flushSize = 1 << 22

    init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
        bytes.reserveCapacity(flushSize + 4096)
    }

    @inline(__always) mutating func append(_ byte: UInt8) { bytes.append(byte) }

    @inline(__always) mutating func append(_ raw: UnsafeBufferPointer<UInt8>) { bytes.append(contentsOf: raw) }

    @inline(__always) mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// Appends a finite double as its `description` reads, without making a `String` (mostly).
    @inline(__always) mutating func append(double value: Double) { value.appendDescription(to: &bytes) }

    /// Appends a decimal integer without making a `String`.
    @inline(__always) mutating func append(integer value: Int64) {
        if value == 0 {
            bytes.append(48)
            return
        }
        var magnitude = value.magnitude
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var count = 0
            while magnitude > 0 {
                digits[19 - count] = UInt8(48 + magnitude % 10)
                magnitude /= 10
                count += 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[(20 - count)...]))
        }
    }

    /// Writes out what is buffered when it is large (or always, with `force`).
    mutating func flush(force: Bool = false) throws {
        guard descriptor >= 0, force || bytes.count >= flushSize else { return }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw FeatureStoreError.io("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        bytes.removeAll(keepingCapacity: true)
    }
}
