import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A listening socket on `127.0.0.1:port`, so that a server started there meanwhile fails to bind
/// ("Address already in use"), as when the kernel hands a freed port to another connection: for
/// the harnesses' restart-on-a-busy-port tests.
public final class PortHolder: @unchecked Sendable {
    private var descriptor: Int32

    public init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw HarnessError("socket() failed: errno \(errno)") }
        // Binds beside the killed server's connections left in TIME_WAIT (two listeners still conflict).
        var on: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(descriptor, 1) == 0 else {
            let error = errno
            close(descriptor)
            throw HarnessError("cannot hold port \(port): errno \(error)")
        }
    }

    /// Frees the port.
    public func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
