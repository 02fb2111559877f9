import Dispatch
import Foundation
import HTTPTypes

#if canImport(Glibc)
    import Glibc
#endif

/// A plain TCP connection to a test server that sends exactly the bytes it is given, for the
/// tests of framing errors, timeouts and early answers. Its calls block, so they run on a
/// dispatch thread, never on Swift's cooperative pool (the server needs those threads).
final class RawConnection: @unchecked Sendable {
    private var fd: Int32

    /// One parsed answer.
    struct Answer {
        var status: Int
        /// Header names lowercased.
        var headers: [String: String]
        var body: String

        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }
        var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
        var errorMessage: String { (json["error"] as? [String: Any])?["message"] as? String ?? "" }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Connects to 127.0.0.1:`port`; sends and reads give up after `timeout` seconds.
    init(port: Int, timeout: Double = 30) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(fd)
            throw Failure(description: "connect to port \(port): errno \(errno)")
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Resets the connection (RST), as a client that crashes does.
    func reset() {
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        close(fd)
        fd = -1
    }

    /// Runs `work` on a dispatch thread.
    private func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }

    /// Sends all of `bytes`; fails when the server stops reading for longer than the timeout.
    func send(_ bytes: [UInt8]) async throws {
        try await blocking { [fd] in
            var offset = 0
            while offset < bytes.count {
                let sent = bytes[offset...].withUnsafeBytes {
                    Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                }
                guard sent > 0 else {
                    throw Failure(description: "send stopped after \(offset) of \(bytes.count) bytes: errno \(errno)")
                }
                offset += sent
            }
        }
    }

    func send(_ text: String) async throws { try await send(Array(text.utf8)) }

    /// Closes the sending side (the server reads end of file).
    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// Bytes received and not yet returned (a read can bring the start of the next answer).
    private var pending: [UInt8] = []

    /// Everything the server sends until it closes the connection (or the timeout).
    ///
    /// - Returns: the bytes, and whether the server closed (false on a timeout).
    func readToEnd() async throws -> (text: String, closed: Bool) {
        try await blocking { [self] in
            var out = pending
            pending = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count > 0 {
                    out += buffer[0..<count]
                    continue
                }
                let closed = count == 0 || errno == ECONNRESET
                return (String(decoding: out, as: UTF8.self), closed)
            }
        }
    }

    /// Reads one answer (head and a `Content-Length` body).
    func readAnswer() async throws -> Answer {
        try await blocking { [self] in
            var out = pending
            pending = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            func headEnd() -> Int? {
                guard out.count >= 4 else { return nil }
                for index in 0...(out.count - 4)
                where out[index] == 13 && out[index + 1] == 10 && out[index + 2] == 13 && out[index + 3] == 10 {
                    return index + 4
                }
                return nil
            }
            var head: Int?
            var length = 0
            var headers: [String: String] = [:]
            var status = 0
            while true {
                if head == nil, let end = headEnd() {
                    head = end
                    let lines = String(decoding: out[0..<end], as: UTF8.self).split(separator: "\r\n")
                    status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
                    for line in lines.dropFirst() {
                        guard let colon = line.firstIndex(of: ":") else { continue }
                        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...]
                            .trimmingCharacters(in: .whitespaces)
                    }
                    length = Int(headers["content-length"] ?? "0") ?? 0
                }
                if let head, out.count >= head + length {
                    pending = Array(out[(head + length)...])
                    return Answer(
                        status: status, headers: headers,
                        body: String(decoding: out[head..<(head + length)], as: UTF8.self))
                }
                let count = recv(fd, &buffer, buffer.count, 0)
                guard count > 0 else {
                    throw Failure(
                        description:
                            "the connection ended (errno \(count == 0 ? 0 : errno)) before a whole answer: \(String(decoding: out, as: UTF8.self))"
                    )
                }
                out += buffer[0..<count]
            }
        }
    }
}
